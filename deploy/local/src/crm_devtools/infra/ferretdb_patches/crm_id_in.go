// Added by crm_devtools (not upstream FerretDB): push `{_id: {$in: [...]}}` down to
// SQLite as `IN (...)` over the `_id` expression index. FerretDB 1.24 pushes down
// only `{_id: x}`; an `$in` of ids scanned the collection. The handler filters the
// rows again with the full filter, so this only has to return a superset.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
)

// crmMaxIn bounds the pushed-down list (SQLite's default limit is 32766 parameters).
const crmMaxIn = 10000

// crmIDInClause returns the WHERE clause and arguments for a filter that is exactly
// `{_id: {$in: [ids]}}` with string or ObjectID ids, or "" for any other filter.
func crmIDInClause(filter *types.Document) (string, []any) {
	if filter == nil || filter.Len() != 1 {
		return "", nil
	}

	cond, ok := filter.Map()["_id"].(*types.Document)
	if !ok || cond.Len() != 1 {
		return "", nil
	}

	arr, ok := cond.Map()["$in"].(*types.Array)
	if !ok || arr.Len() > crmMaxIn {
		return "", nil
	}

	if arr.Len() == 0 {
		return " WHERE 0", nil
	}

	marks := make([]string, arr.Len())
	args := make([]any, arr.Len())

	for i := 0; i < arr.Len(); i++ {
		v, err := arr.Get(i)
		if err != nil {
			return "", nil
		}

		switch v.(type) {
		case string, types.ObjectID:
			b, err := sjson.MarshalSingleValue(v)
			if err != nil {
				return "", nil
			}

			marks[i] = "?"
			args[i] = string(b)
		default:
			return "", nil
		}
	}

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, strings.Join(marks, ", ")), args
}
