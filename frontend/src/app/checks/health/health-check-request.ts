import { FieldErrors, checkDay, checkSymbol } from '../../shared/form-rules';
import { HealthCheckRequest, HealthCheckType } from './health-checks-api';

/** What a check's form holds. */
export interface HealthCheckForm {
  symbol: string;
  day: string;
}

/**
 * A check's form as a perform request, with every bad field named (API field names: ``symbol``,
 * ``day_date``). An empty symbol is left to the server (the settings' first), an empty day too
 * (SIM_OUTPUT: the last session on file).
 */
export function healthCheckRequest(
  check: HealthCheckType,
  form: HealthCheckForm,
): { request: HealthCheckRequest; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const request: HealthCheckRequest = { check_type: check.check_type };
  if (check.takes_symbol) {
    const symbol = checkSymbol(form.symbol, 'symbol', errors, false);
    if (symbol) {
      request.symbol = symbol;
    }
  }
  if (check.takes_day) {
    const day = checkDay(form.day, 'day_date', errors, { required: false, session: true });
    if (day) {
      request.day_date = day;
    }
  }
  return { request, errors };
}
