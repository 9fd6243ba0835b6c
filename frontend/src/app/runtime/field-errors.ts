import { ApiError } from '../core/api';

/**
 * The API names bad fields by path: ``symbols``, ``symbols.3``, ``strategy_limits.breakout1.max_purchase_pct``.
 * These pick the fields of one form out of an error, so the form shows them next to its inputs and
 * ``<tc2-error-box [shownFields]>`` lists only the rest.
 */
export function fieldNamesUnder(error: ApiError | null, prefix: string): string[] {
  if (!error) {
    return [];
  }
  return Object.keys(error.fields).filter((name) => name === prefix || name.startsWith(`${prefix}.`));
}

/** Every message of the fields at or under ``prefix``, in the order the server gave them. */
export function fieldMessagesUnder(error: ApiError | null, prefix: string): string[] {
  return fieldNamesUnder(error, prefix).flatMap((name) => error?.field(name) ?? []);
}
