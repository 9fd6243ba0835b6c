import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

import { ApiClient, Job, Schemas } from '../../core/api';

export type HealthCheckType = Schemas['HealthCheckType'];
export type HealthCheckResult = Schemas['HealthCheckResult'];
export type HealthCheckList = Schemas['HealthCheckListOutput'];
export type HealthStatus = HealthCheckResult['status'];

/** A perform request as /api/health_checks/perform takes it; absent fields get the server's defaults. */
export interface HealthCheckRequest {
  check_type: string;
  symbol?: string;
  day_date?: string;
}

/** /api/health_checks: the checks there are, a check's latest result, and running one as a job. */
@Injectable({ providedIn: 'root' })
export class HealthChecksApi {
  private readonly api = inject(ApiClient);

  list(): Observable<HealthCheckList> {
    return this.api.get('/api/health_checks/list');
  }

  /** The latest result for ``symbol`` (empty: the settings' first); null when it never ran. */
  latest(checkType: string, symbol: string): Observable<HealthCheckResult | null> {
    return this.api.get('/api/health_checks/get', { query: { check_type: checkType, symbol: symbol || undefined } });
  }

  perform(request: HealthCheckRequest): Observable<Job> {
    return this.api.post('/api/health_checks/perform', undefined, { query: request });
  }
}
