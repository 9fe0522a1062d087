#!/usr/bin/env node
// The `convoy` command. A stable file (present before the first build) that runs the compiled CLI.
import "../dist/cli/main.js";
