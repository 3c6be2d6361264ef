// Before packaging: the extension carries the one TextMate grammar of the repository
// (editors/scrubber-rules.tmLanguage.json), copied here so that the .vsix holds it.
"use strict";

const fs = require("fs");
const path = require("path");

const source = path.join(__dirname, "..", "..", "scrubber-rules.tmLanguage.json");
const target = path.join(__dirname, "..", "syntaxes", "scrubber-rules.tmLanguage.json");
fs.copyFileSync(source, target);
console.log(`copied ${path.relative(process.cwd(), source)} to ${path.relative(process.cwd(), target)}`);
