from crm_devtools.contracts.schemas import main

raise SystemExit(main())
