/**
 * The engine's ticker rule (tc2/env/trading_settings.py SYMBOL_PATTERN), checked in the browser
 * so a bad symbol is refused before anything is sent. The server checks again and has the last word.
 */
export const TICKER_PATTERN = /^[A-Z]{1,5}(\.[A-Z])?$/;
export const TICKER_RULE = '1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B)';

export interface ParsedTickers {
  symbols: string[];
  problems: string[];
}

/**
 * Symbols typed by a person: separated by commas (or semicolons), any case, spaces around them
 * ignored. Returns them upper-cased, each once, and a sentence for every one that is not a ticker.
 * Spaces do not separate: "NOT A TICKER" is one bad symbol, not three good ones.
 */
export function parseTickers(text: string): ParsedTickers {
  const symbols: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[,;]/).map((part) => part.trim()).filter((part) => part !== '')) {
    const symbol = raw.toUpperCase();
    if (!TICKER_PATTERN.test(symbol)) {
      problems.push(`"${raw}" is not a ticker: ${TICKER_RULE}.`);
    } else if (!symbols.includes(symbol)) {
      symbols.push(symbol);
    }
  }
  return { symbols, problems };
}
