import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

import { ApiClient, Job, Schemas } from '../../core/api';
import type { operations } from '../../core/api-schema';

export type VisualList = Schemas['VisualListOutput'];
export type VisualResult = Schemas['VisualResult'];
export type VisualSummary = Schemas['VisualSummary'];
export type StrategyRun = Schemas['StrategyRun'];
export type VisualGenerateQuery = operations['visuals_generate']['parameters']['query'];
export type VisualGetQuery = operations['visuals_get']['parameters']['query'];
export type VisualTypeName = VisualGenerateQuery['visual_type'];

/** /api/visuals: the visual types and stored visuals, one visual's latest JSON, generating one. */
@Injectable({ providedIn: 'root' })
export class VisualsApi {
  private readonly api = inject(ApiClient);

  list(): Observable<VisualList> {
    return this.api.get('/api/visuals/list');
  }

  /** The stored visual the query's key fields name; null when it was never generated. */
  latest(query: VisualGetQuery): Observable<VisualResult | null> {
    return this.api.get('/api/visuals/get', { query });
  }

  generate(query: VisualGenerateQuery): Observable<Job> {
    return this.api.post('/api/visuals/generate', undefined, { query });
  }

  /** Strategy runs a stored-run visual can show (SINGLE_RUN: simulate, EQUITY_CURVE: evaluate). */
  runs(kind: 'simulate' | 'evaluate'): Observable<{ runs: StrategyRun[] }> {
    return this.api.get('/api/strategy/runs', { query: { kind, limit: 100 } });
  }
}
