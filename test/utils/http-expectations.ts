import type request from 'supertest';

/** 400 VALIDATION_FAILED naming `field` among its field errors. */
export function expectValidationError(res: request.Response, field: string): void {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({
    statusCode: 400,
    error: 'Bad Request',
    code: 'VALIDATION_FAILED',
    message: expect.any(String),
    errors: expect.arrayContaining([{ field, messages: expect.arrayContaining([expect.any(String)]) }]),
  });
}

export const NOT_FOUND_BODY = { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: expect.any(String) };

/** 404 NOT_FOUND, the same body for an unknown id and another owner's key. */
export function expectNotFound(res: request.Response): void {
  expect(res.status).toBe(404);
  expect(res.body).toEqual(NOT_FOUND_BODY);
}

export function expectForbiddenGrant(res: request.Response): void {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN_GRANT', message: expect.any(String) });
}
