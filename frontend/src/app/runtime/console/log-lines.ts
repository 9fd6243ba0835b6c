import type { paths } from '../../core/api-schema';

/** A log feed's name, as the API's /api/logs/{feed} path takes it. */
export type LogFeedName = paths['/api/logs/{feed}']['get']['parameters']['path']['feed'];

/** Every feed TC2 writes (tc2/logs/feeds.py), in the order a trader looks at them. */
export const LOG_FEEDS: readonly { value: LogFeedName; label: string }[] = [
  { value: 'program', label: 'Program' },
  { value: 'data', label: 'Data' },
  { value: 'live_trading', label: 'Live trading' },
  { value: 'simulation', label: 'Simulation' },
  { value: 'optimization', label: 'Optimization' },
  { value: 'health', label: 'Health checks' },
  { value: 'visuals', label: 'Visuals' },
  { value: 'api', label: 'API requests' },
];

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

/** One line as the Console shows it: its number in the file, its text and its level. */
export interface LogLine {
  number: number;
  text: string;
  level: LogLevel | null;
}

// The prefix every line carries (tc2/logs/line_format.py LINE_PATTERN).
const PREFIX = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} (DEBUG|INFO|WARNING|ERROR) \[/;

export function asFeed(name: string): LogFeedName {
  return LOG_FEEDS.find((feed) => feed.value === name)?.value ?? 'program';
}

/** Lines of a file starting after line ``offset`` (0: the file's first line is number 1). */
export function toLogLines(texts: readonly string[], offset: number): LogLine[] {
  return texts.map((text, index) => ({
    number: offset + index + 1,
    text,
    level: (PREFIX.exec(text)?.[1] as LogLevel | undefined) ?? null,
  }));
}

/** Lines at ``minimum`` level or above (lines without a level always pass) containing ``text``. */
export function filterLogLines(lines: readonly LogLine[], minimum: LogLevel, text: string): LogLine[] {
  const floor = LOG_LEVELS.indexOf(minimum);
  const needle = text.trim().toLowerCase();
  return lines.filter(
    (line) =>
      (line.level === null || LOG_LEVELS.indexOf(line.level) >= floor) &&
      (needle === '' || line.text.toLowerCase().includes(needle)),
  );
}
