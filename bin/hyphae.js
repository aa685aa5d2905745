#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step) through tsx's loader.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../cli/index.ts')
process.exit(await main(process.argv.slice(2)))
