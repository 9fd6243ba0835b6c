/** What a job is about, in a line: its kind, then strategy, symbols, day(s), visual or check type. */
import { Job } from '../core/api';
import { figure, label, setting } from '../shared/format';

/** A job parameter as a row of the details: label and value, never JSON. */
export interface ParameterRow {
  name: string;
  value: string;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** ``breakout1``; a strategy file path shows only its class. */
function strategyName(value: unknown): string | null {
  const name = text(value);
  return name === null ? null : (name.split(':').pop() ?? name);
}

/** The parts of what a job is about, in reading order (empty for a job without parameters). */
export function jobSubject(job: Pick<Job, 'type' | 'params'>): string {
  const params = (job.params ?? {}) as Record<string, unknown>;
  const symbols = Array.isArray(params['symbols']) ? (params['symbols'] as unknown[]).join(', ') : null;
  const start = text(params['start_date']);
  const end = text(params['end_date']);
  const parts = [
    text(params['visual_type']) ? label(String(params['visual_type'])) : null,
    text(params['check_type']) ? label(String(params['check_type']).toLowerCase()) : null,
    strategyName(params['strategy']),
    text(params['symbol']) ?? symbols,
    text(params['day']) ?? text(params['day_date']),
    start ? (end ? `${start} to ${end}` : `from ${start}`) : null,
    text(params['mode']),
  ];
  return parts.filter((part): part is string => part !== null).join(' · ');
}

/** A job's parameters as rows (strategy parameters as ``Key value`` pairs, fractions in percent). */
export function parameterRows(params: Record<string, unknown> | null | undefined): ParameterRow[] {
  return Object.entries(params ?? {})
    .filter(([name]) => name !== 'path') // an upload's file on the server, not the user's business
    .map(([name, value]) => ({ name: label(name), value: setting(value, name) }));
}

/** A job's result as rows: what it measured, in the units its names say. */
export function resultRows(result: Record<string, unknown> | null | undefined): ParameterRow[] {
  return Object.entries(result ?? {}).map(([name, value]) => ({ name: label(name), value: figure(value, name) }));
}
