/** Figures (what a check measured, a run's performance) as the checks pages show them. */
import { figure, label } from '../shared/format';

/** A figure as the page shows it, its ``name`` choosing the unit (times in ET, ``*_pct``, …). */
export function figureText(value: unknown, name = ''): string {
  return figure(value, name);
}

/** A figure's name for a person: ``days_over_1_4_pct`` → ``Days over 1.4 %``. */
export function figureName(name: string): string {
  return label(name);
}
