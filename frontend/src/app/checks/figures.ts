/** Figures (what a check measured, a run's performance) as the checks pages show them. */

/** A figure as the page shows it. */
export function figureText(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 4 });
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A figure's name for a person: ``average_load_ms`` → ``average load ms``. */
export function figureName(name: string): string {
  return name.replace(/_/g, ' ');
}
