/**
 * The typed API client. Every path, query, body and response type comes from `api-schema.d.ts`,
 * which `npm run api-types` generates from `frontend/openapi.json` (the server's /api/schema/;
 * a webpanel test fails when the two drift apart), so a changed API breaks the build, not the user.
 */
import { HttpClient, HttpErrorResponse, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

import type { components, paths } from './api-schema';

export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobStatus = Schemas['JobStatusEnum'];

type Method = 'get' | 'post' | 'patch' | 'delete';
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: { responses: unknown } } ? P : never;
}[keyof paths];
type Op<P extends keyof paths, M extends Method> = paths[P] extends { [K in M]: infer O } ? O : never;

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : null;
type Ok<O> = O extends { responses: infer R }
  ?
      | (200 extends keyof R ? JsonOf<R[200]> : never)
      | (201 extends keyof R ? JsonOf<R[201]> : never)
      | (202 extends keyof R ? JsonOf<R[202]> : never)
      | (204 extends keyof R ? null : never)
  : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type PathParamsOf<O> = O extends { parameters: { path: infer PP } } ? PP : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : O extends { requestBody?: { content: { 'multipart/form-data': unknown } } }
    ? FormData
    : never;

export interface RequestOptions<O> {
  query?: QueryOf<O>;
  path?: PathParamsOf<O>;
}

/** What every failed call becomes: the API's error contract, or a network/transport failure. */
export class ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly fields: Record<string, string[]> = {},
    readonly details: Record<string, unknown> = {},
  ) {}

  /** The messages for one form field, or for none ('' = the whole request). */
  field(name: string): string[] {
    return this.fields[name] ?? [];
  }
}

/** Turns anything HttpClient throws into an ApiError with a sentence for a person. */
export function apiErrorFrom(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  if (error instanceof HttpErrorResponse) {
    const body = error.error as { error?: Schemas['ErrorDetail'] } | null;
    const detail = body && typeof body === 'object' ? body.error : undefined;
    if (detail && typeof detail.message === 'string') {
      const details = (detail.details ?? {}) as Record<string, unknown>;
      const fields = (details['fields'] ?? {}) as Record<string, string[]>;
      return new ApiError(error.status, detail.code, detail.message, fields, details);
    }
    if (error.status === 0) {
      return new ApiError(0, 'unreachable', 'The TC2 server cannot be reached. Is it running?');
    }
    return new ApiError(error.status, 'http_error', `The server answered ${error.status} ${error.statusText}.`);
  }
  return new ApiError(0, 'client_error', error instanceof Error ? error.message : String(error));
}

function fillPath(path: string, params: unknown): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (params as Record<string, unknown> | undefined)?.[name];
    if (value === undefined || value === null || value === '') {
      throw new ApiError(0, 'client_error', `Missing path parameter ${name} for ${path}.`);
    }
    return encodeURIComponent(String(value));
  });
}

function toParams(query: unknown): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null && value !== '') {
      params = params.set(key, String(value));
    }
  }
  return params;
}

@Injectable({ providedIn: 'root' })
export class ApiClient {
  private readonly http = inject(HttpClient);

  get<P extends PathsWith<'get'>>(path: P, options: RequestOptions<Op<P, 'get'>> = {}): Observable<Ok<Op<P, 'get'>>> {
    return this.http.get<Ok<Op<P, 'get'>>>(fillPath(path, options.path), { params: toParams(options.query) });
  }

  post<P extends PathsWith<'post'>>(
    path: P,
    body?: BodyOf<Op<P, 'post'>>,
    options: RequestOptions<Op<P, 'post'>> = {},
  ): Observable<Ok<Op<P, 'post'>>> {
    return this.http.post<Ok<Op<P, 'post'>>>(fillPath(path, options.path), body ?? {}, {
      params: toParams(options.query),
    });
  }

  patch<P extends PathsWith<'patch'>>(
    path: P,
    body: BodyOf<Op<P, 'patch'>>,
    options: RequestOptions<Op<P, 'patch'>> = {},
  ): Observable<Ok<Op<P, 'patch'>>> {
    return this.http.patch<Ok<Op<P, 'patch'>>>(fillPath(path, options.path), body, {
      params: toParams(options.query),
    });
  }

  delete<P extends PathsWith<'delete'>>(
    path: P,
    options: RequestOptions<Op<P, 'delete'>> = {},
  ): Observable<Ok<Op<P, 'delete'>>> {
    return this.http.delete<Ok<Op<P, 'delete'>>>(fillPath(path, options.path), { params: toParams(options.query) });
  }
}

/** Jobs that ended: their status will not change any more. */
export const FINISHED_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled']);
