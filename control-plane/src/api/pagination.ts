import { z } from 'zod';

/** `?limit=&offset=` on every list route; responses are `{ items, total, limit, offset }`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1, { message: 'expected at least 1' }).max(500, { message: 'expected at most 500' }).default(50),
  offset: z.coerce.number().int().min(0, { message: 'expected 0 or more' }).default(0),
});

export function pageOf<T>(items: T[], total: number, page: { limit: number; offset: number }) {
  return { items, total, limit: page.limit, offset: page.offset };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
