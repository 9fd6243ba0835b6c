import { TraderCommand } from './trading-api';

/** A command's answer in words: done, or still queued at the trader. */
export function commandNote(command: TraderCommand): string {
  const what = `${command.kind.replaceAll('_', ' ')} sent to the ${command.trader} trader`;
  if (command.status === 'done') {
    return `${what}: done${command.message ? ` — ${command.message}` : ''}.`;
  }
  return `${what}: ${command.status}; the trader has not answered yet (command ${command.id}).`;
}
