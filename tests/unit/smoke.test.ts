import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import fc from 'fast-check';

test('esm works', async () => {
  const h = middy(async (e: number) => e + 1);
  expect(await h(1, {} as never)).toBe(2);
  expect(new Logger()).toBeDefined();
  fc.assert(fc.property(fc.integer(), (n) => n + 0 === n));
});
