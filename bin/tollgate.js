#!/usr/bin/env node
// Thin launcher so `npm link`/`npx tollgate` run the compiled CLI.
import '../dist/cli/main.js';
