// Support code of the JavaScript modules tachc generates (tachc gen --lang ts):
// tachc embeds the lines between the tachc-support markers into each generated
// module (compiler/embed_support.awk). The compiler tests check this file with
// `node --check` and run its helpers; it is a module of its own so that they can.
"use strict";

// tachc-support: begin helpers
// The globals this module uses, reached through globalThis: a schema type may
// be called DataView or String, and its class would hide the global.
const $G = globalThis;
const $decoder = new $G.TextDecoder("utf-8", { fatal: true });
const $encoder = new $G.TextEncoder();

// A DataView over `data` (DataView, ArrayBuffer, TypedArray or Buffer) that has
// `size` bytes at `offset`, or a RangeError.
function $view(data, offset, size, name) {
  let view;
  if (data instanceof $G.DataView) {
    view = data;
  } else if ($G.ArrayBuffer.isView(data)) {
    view = new $G.DataView(data.buffer, data.byteOffset, data.byteLength);
  } else if (data instanceof $G.ArrayBuffer ||
      ($G.SharedArrayBuffer !== undefined && data instanceof $G.SharedArrayBuffer)) {
    view = new $G.DataView(data);
  } else {
    throw new $G.TypeError(name + ": expected a DataView, an ArrayBuffer or a TypedArray");
  }
  if (!$G.Number.isInteger(offset) || offset < 0 || view.byteLength - offset < size) {
    throw new $G.RangeError(name + " needs " + size + " bytes at offset " + offset + ", the buffer has " +
      view.byteLength);
  }
  return view;
}

function $index(i, count, name) {
  if (!$G.Number.isInteger(i) || i < 0 || i >= count) {
    throw new $G.RangeError(name + ": index " + i + " is not in 0.." + (count - 1));
  }
}

// Text up to the first NUL of a char[N] field (ASCII fast, else UTF-8). Bytes
// that are not UTF-8 fail to read as text (a TypeError), as in Rust and Python;
// the field's xBytes() view still reads them.
function $text(view, at, count) {
  let s = "";
  for (let i = 0; i < count; i++) {
    const b = view.getUint8(at + i);
    if (b === 0) {
      return s;
    }
    if (b >= 0x80) {
      const bytes = new $G.Uint8Array(view.buffer, view.byteOffset + at, count);
      const end = bytes.indexOf(0);
      return $decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
    }
    s += $G.String.fromCharCode(b);
  }
  return s;
}

// Stores the text's UTF-8 bytes NUL-padded to `count`; text longer than
// `count` bytes is a RangeError and writes nothing (text is never cut, so
// never inside a code point).
function $setText(view, at, count, text, name) {
  const str = $G.String(text);
  const n = str.length; // UTF-16 units: UTF-8 takes at least n bytes, at most 3n
  const bytes = new $G.Uint8Array(view.buffer, view.byteOffset + at, count);
  if (n > count) {
    throw new $G.RangeError(name + " holds " + count + " bytes, the text needs at least " + n);
  }
  if (3 * n > count) {
    for (let i = 0; i < n; i++) {
      if (str.charCodeAt(i) >= 0x80) {
        const raw = $encoder.encode(str);
        if (raw.length > count) {
          throw new $G.RangeError(name + " holds " + count + " bytes, the text has " + raw.length);
        }
        bytes.set(raw);
        bytes.fill(0, raw.length);
        return;
      }
    }
  }
  bytes.fill(0, $encoder.encodeInto(str, bytes).written);
}

// A typed array over `count` elements at `at`, when the address allows one.
function $typed(type, view, at, count, name) {
  const Type = $G[type];
  const start = view.byteOffset + at;
  if (start % Type.BYTES_PER_ELEMENT !== 0) {
    throw new $G.RangeError(name + " starts at byte " + start + " of its buffer, not a multiple of " +
      Type.BYTES_PER_ELEMENT + ": read it element by element");
  }
  return new Type(view.buffer, start, count);
}

function $bytes(view, at, count) {
  return new $G.Uint8Array(view.buffer, view.byteOffset + at, count);
}

// Copies the record `src` (a generated object) over `size` bytes at `at` of `view`.
function $copy(src, view, at, size) {
  $bytes(view, at, size).set(src.bytes().subarray(0, size));
}

function $list(count, get) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(get(i));
  }
  return out;
}
// tachc-support: end

module.exports = { $view, $index, $text, $setText, $typed, $bytes, $copy, $list };
