#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load so `npx ccb` works straight after `npm ci`.
import { register } from 'tsx/esm/api';

// This machine runs Node 20 on purpose (the Lambda target is Node 22, docs/decisions.md); the SDK's notice
// about future releases needing Node 22 would otherwise interleave with every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../scripts/ccb/main.ts');
