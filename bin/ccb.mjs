#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load so `npx ccb` works straight after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/ccb/main.ts');
