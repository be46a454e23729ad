// Answers checked against the type definitions @qlik/api ships (its connectivity/*.d.ts).
//
// A small reader of the `export type Name = ...;` declarations those files hold: object
// types with required and optional members, arrays, unions of literals, intersections and
// references to other types of the same file. `check(types, "ConnectionGet", value)` lists
// what does not fit: a required member missing, or a member of the wrong kind.

import { readFileSync } from "node:fs";

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

// Split `text` on `sep` where no bracket is open.
function splitTop(text, sep) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if ("{[(<".includes(ch)) {
      depth += 1;
    } else if ("}])>".includes(ch)) {
      depth -= 1;
    } else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseMembers(body) {
  const members = {};
  for (const part of splitTop(body, ";")) {
    const match = /^([A-Za-z_$][\w$]*|"[^"]+")(\?)?:\s*([\s\S]+)$/.exec(part);
    if (match) members[match[1].replace(/"/g, "")] = { optional: !!match[2], type: match[3] };
  }
  return members;
}

/** The `export type` declarations of one .d.ts file: name -> type expression. */
export function readTypes(path) {
  const text = stripComments(readFileSync(path, "utf8"));
  const types = {};
  const head = /export type (\w+) = /g;
  let found = head.exec(text);
  while (found) {
    const start = head.lastIndex;
    let depth = 0;
    let end = start;
    for (; end < text.length; end += 1) {
      const ch = text[end];
      if ("{[(".includes(ch)) depth += 1;
      else if ("}])".includes(ch)) depth -= 1;
      else if (ch === ";" && depth === 0) break;
    }
    types[found[1]] = text.slice(start, end).trim();
    head.lastIndex = end;
    found = head.exec(text);
  }
  return types;
}

function kindOf(value) {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function checkExpr(types, expr, value, where, problems, seen) {
  expr = expr.trim();
  const alternatives = splitTop(expr, "|");
  if (alternatives.length > 1) {
    const fits = alternatives.some((alt) => {
      const found = [];
      checkExpr(types, alt, value, where, found, seen);
      return found.length === 0;
    });
    if (!fits) problems.push(`${where}: ${JSON.stringify(value)} is none of ${expr}`);
    return;
  }
  const parts = splitTop(expr, "&");
  if (parts.length > 1) {
    for (const part of parts) checkExpr(types, part, value, where, problems, seen);
    return;
  }
  if (expr.endsWith("[]")) {
    if (!Array.isArray(value)) {
      problems.push(`${where}: ${kindOf(value)}, expected an array`);
      return;
    }
    value.forEach((item, i) => checkExpr(types, expr.slice(0, -2), item, `${where}[${i}]`, problems, seen));
    return;
  }
  if (expr.startsWith("(") && expr.endsWith(")")) {
    checkExpr(types, expr.slice(1, -1), value, where, problems, seen);
    return;
  }
  if (expr.startsWith("{")) {
    if (kindOf(value) !== "object") {
      problems.push(`${where}: ${kindOf(value)}, expected an object`);
      return;
    }
    const members = parseMembers(expr.slice(1, -1));
    for (const [name, member] of Object.entries(members)) {
      if (!(name in value)) {
        if (!member.optional) problems.push(`${where}.${name}: required, missing`);
      } else {
        checkExpr(types, member.type, value[name], `${where}.${name}`, problems, seen);
      }
    }
    return;
  }
  if (/^["']/.test(expr) || /^-?\d/.test(expr) || expr === "true" || expr === "false") {
    const literal = JSON.parse(expr.replace(/'/g, '"'));
    if (value !== literal) problems.push(`${where}: ${JSON.stringify(value)}, expected ${expr}`);
    return;
  }
  if (["string", "number", "boolean"].includes(expr)) {
    if (typeof value !== expr) problems.push(`${where}: ${kindOf(value)}, expected ${expr}`);
    return;
  }
  if (["unknown", "any", "void", "Record<string, unknown>"].includes(expr)) return;
  if (expr in types) {
    checkExpr(types, types[expr], value, where, problems, seen);
    return;
  }
  problems.push(`${where}: the type ${expr} is not one this reader knows`);
}

/** What in `value` does not fit the type `name` of `types` (empty: it fits). */
export function check(types, name, value) {
  if (!(name in types)) return [`no type ${name} in the definitions`];
  const problems = [];
  checkExpr(types, types[name], value, name, problems, new Set());
  return problems;
}
