// Sales' catalogue and quotes, paths exactly as in sales' OpenAPI, through the BFF (/api/sales).
import { get, request } from '../../api/client';

const S = '/api/sales';

export interface Product { id: string; sku: string; name: string; unit: string; active: boolean; version: number }
export interface PriceEntry { product_id: string; unit_price: string }
export interface PriceBook {
  id: string; name: string; currency: string; segment: string; valid_from: string; valid_to: string | null;
  active: boolean; entries: PriceEntry[]; version: number;
}
export interface QuoteLine {
  product_id: string; sku: string; name: string; unit: string; quantity: string; unit_price: string;
  discount_pct: string; tax_rate: string; net: string; tax: string; total: string;
}
export type QuoteStatus = 'draft' | 'sent' | 'accepted' | 'declined' | 'expired';
export interface Quote {
  id: string; number: string; display_number: string; revision: number; deal_id: string; status: QuoteStatus;
  currency: string; segment: string; lines: QuoteLine[]; subtotal: string; tax_total: string; total: string;
  valid_until: string; sent_at: string | null; sent_to: string | null; version: number;
}
export interface LineInput { product_id: string; quantity: string; discount_pct: string; tax_rate: string; unit_price?: string | null }
export interface QuoteInput { currency?: string | null; segment?: string | null; valid_until: string; lines: LineInput[] }

export const catalogueApi = {
  products: () => get<{ items: Product[] }>(`${S}/products`),
  createProduct: (body: Omit<Product, 'id' | 'version'>) => request<Product>(`${S}/products`, { method: 'POST', body }),
  priceBooks: () => get<{ items: PriceBook[] }>(`${S}/price-books`),
  createPriceBook: (body: Omit<PriceBook, 'id' | 'version'>) => request<PriceBook>(`${S}/price-books`, { method: 'POST', body }),
  price: (productId: string, currency: string, segment?: string) =>
    get<{ unit_price: string | null } & Record<string, unknown>>(`${S}/prices`, { product_id: productId, currency, segment }),
};

export const quotesApi = {
  list: (dealId: string) => get<{ items: Quote[] }>(`${S}/deals/${encodeURIComponent(dealId)}/quotes`),
  get: (id: string) => request<Quote>(`${S}/quotes/${encodeURIComponent(id)}`),
  create: (dealId: string, body: QuoteInput) =>
    request<Quote>(`${S}/deals/${encodeURIComponent(dealId)}/quotes`, { method: 'POST', body }),
  send: (id: string, body: { email: string; name?: string | null }, ifMatch: string | number) =>
    request<Quote>(`${S}/quotes/${encodeURIComponent(id)}/send`, { method: 'POST', body, ifMatch }),
  pdfUrl: (id: string) => `${S}/quotes/${encodeURIComponent(id)}/pdf`,
};
