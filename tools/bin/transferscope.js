#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled workspace (`npm ci` builds it through the root `prepare` script).
require('../dist/main.js');
