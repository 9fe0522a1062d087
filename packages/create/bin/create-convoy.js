#!/usr/bin/env node
// `npm create @convoy my-app` runs this. A stable file (present before the first build) that runs the compiled starter.
import "../dist/main.js";
