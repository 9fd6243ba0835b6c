import { HttpErrorResponse } from '@angular/common/http';

import { ApiError, apiErrorFrom } from './api';

describe('apiErrorFrom', () => {
  it('reads the error contract with its field errors', () => {
    const error = apiErrorFrom(
      new HttpErrorResponse({
        status: 422,
        error: {
          error: { code: 'validation_failed', message: 'Bad settings.', details: { fields: { symbols: ['not a ticker: "$$"'] } } },
        },
      }),
    );

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('Bad settings.');
    expect(error.field('symbols')).toEqual(['not a ticker: "$$"']);
    expect(error.field('other')).toEqual([]);
  });

  it('says the server cannot be reached on a network failure', () => {
    const error = apiErrorFrom(new HttpErrorResponse({ status: 0 }));

    expect(error.code).toBe('unreachable');
    expect(error.message).toContain('cannot be reached');
  });

  it('names the status when the body is not the contract', () => {
    const error = apiErrorFrom(new HttpErrorResponse({ status: 502, statusText: 'Bad Gateway', error: '<html>' }));

    expect(error.message).toBe('The server answered 502 Bad Gateway.');
  });
});
