/**
 * Each visual type's form: the fields it takes (as /api/visuals/generate names them), which are
 * required, and which name the stored visual (/api/visuals/get). Checked here before sending,
 * with the server's rules, so a bad field is named without a round trip.
 */
import {
  FieldErrors,
  checkChoice,
  checkCount,
  checkDay,
  checkRunId,
  checkSymbol,
  checkWallTime,
} from '../../shared/form-rules';
import { VisualGenerateQuery, VisualGetQuery, VisualTypeName } from './visuals-api';

export type VisualField = 'symbol' | 'day' | 'days' | 'time' | 'mode' | 'limit' | 'run_id';
export type VisualForm = Record<VisualField, string>;

export const VISUAL_FIELDS: readonly VisualField[] = ['symbol', 'day', 'days', 'time', 'mode', 'limit', 'run_id'];
export const VISUAL_TYPES: readonly VisualTypeName[] = [
  'PRICE_GRAPH',
  'RUN_HISTORY',
  'DAY_SPREAD',
  'SINGLE_RUN',
  'BREAKOUT1_SETUP',
  'EQUITY_CURVE',
];
export const RUN_MODES = ['simulated', 'paper', 'live'] as const;
export const MAX_COUNT = 1000;

export interface FieldSpec {
  field: VisualField;
  label: string;
  required: boolean;
  /** What an empty optional field means, or what the field is. */
  hint: string;
}

const SYMBOL: FieldSpec = { field: 'symbol', label: 'Symbol', required: true, hint: 'a ticker, e.g. SPY' };

/** The fields of each visual type's form, in order. */
export const VISUAL_FORMS: Record<VisualTypeName, readonly FieldSpec[]> = {
  PRICE_GRAPH: [
    SYMBOL,
    { field: 'days', label: 'Sessions', required: false, hint: 'default 90' },
    { field: 'day', label: 'Last session', required: false, hint: 'default: the latest on file' },
  ],
  DAY_SPREAD: [
    SYMBOL,
    { field: 'days', label: 'Sessions', required: false, hint: 'default 60' },
    { field: 'day', label: 'Last session', required: false, hint: 'default: the latest on file' },
  ],
  BREAKOUT1_SETUP: [
    SYMBOL,
    { field: 'day', label: 'Session', required: true, hint: 'the day to look at' },
    { field: 'time', label: 'Time (New York)', required: false, hint: 'default 11:00' },
  ],
  RUN_HISTORY: [
    { field: 'mode', label: 'Mode', required: true, hint: 'whose runs' },
    { field: 'limit', label: 'Most recent runs', required: false, hint: 'default 30' },
  ],
  SINGLE_RUN: [{ field: 'run_id', label: 'Simulate run', required: true, hint: 'a succeeded simulate run' }],
  EQUITY_CURVE: [{ field: 'run_id', label: 'Evaluate run', required: true, hint: 'a succeeded evaluate run' }],
};

/** The fields that name a stored visual (the server's list says the same; this is its fallback). */
export const KEY_FIELDS: Record<VisualTypeName, readonly VisualField[]> = {
  PRICE_GRAPH: ['symbol'],
  DAY_SPREAD: ['symbol'],
  BREAKOUT1_SETUP: ['symbol', 'day', 'time'],
  RUN_HISTORY: ['mode'],
  SINGLE_RUN: ['run_id'],
  EQUITY_CURVE: ['run_id'],
};

export function isVisualType(value: unknown): value is VisualTypeName {
  return typeof value === 'string' && (VISUAL_TYPES as readonly string[]).includes(value);
}

export function emptyVisualForm(): VisualForm {
  return { symbol: '', day: '', days: '', time: '', mode: '', limit: '', run_id: '' };
}

/** A visual type's form as a generate request, with every bad field named. */
export function visualRequest(type: VisualTypeName, form: VisualForm): { query: VisualGenerateQuery; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const query: VisualGenerateQuery = { visual_type: type };
  const needs = (field: string) => `${type} needs ${field}`;
  for (const spec of VISUAL_FORMS[type]) {
    const value = form[spec.field] ?? '';
    switch (spec.field) {
      case 'symbol':
        query.symbol = checkSymbol(value, 'symbol', errors, spec.required, needs('symbol')) || undefined;
        break;
      case 'day':
        query.day =
          checkDay(value, 'day', errors, { required: spec.required, session: spec.required, needs: needs('day') }) ||
          undefined;
        break;
      case 'days':
        query.days = checkCount(value, 'days', errors, MAX_COUNT);
        break;
      case 'limit':
        query.limit = checkCount(value, 'limit', errors, MAX_COUNT);
        break;
      case 'time':
        query.time = checkWallTime(value, 'time', errors) || undefined;
        break;
      case 'mode':
        query.mode = (checkChoice(value, 'mode', errors, RUN_MODES, needs('mode')) ||
          undefined) as VisualGenerateQuery['mode'];
        break;
      case 'run_id':
        query.run_id = checkRunId(value, 'run_id', errors, needs('run_id')) || undefined;
        break;
    }
  }
  for (const key of Object.keys(query) as (keyof VisualGenerateQuery)[]) {
    if (query[key] === undefined) {
      delete query[key];
    }
  }
  return { query, errors };
}

/** The part of a request that names its stored visual. */
export function visualKeyQuery(query: VisualGenerateQuery, keyFields: readonly string[]): VisualGetQuery {
  const key: VisualGetQuery = { visual_type: query.visual_type };
  for (const field of keyFields) {
    const value = query[field as keyof VisualGenerateQuery];
    if (value !== undefined && field !== 'days' && field !== 'limit') {
      (key as Record<string, unknown>)[field] = value;
    }
  }
  return key;
}

/** A request as the page's URL keeps it: every field, absent ones removed (null). */
export function visualQueryParams(query: VisualGenerateQuery): Record<string, string | null> {
  const params: Record<string, string | null> = { visual_type: query.visual_type };
  for (const field of VISUAL_FIELDS) {
    const value = query[field];
    params[field] = value === undefined ? null : String(value);
  }
  return params;
}
