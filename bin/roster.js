#!/usr/bin/env node
// The `roster` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare) and `npm start`.
import { run } from '../dist/cli/roster.js';

process.exitCode = await run(process.argv.slice(2));
