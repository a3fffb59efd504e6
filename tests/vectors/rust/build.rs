//! Writes one `#[test]` per vector of tests/vectors/*.json into $OUT_DIR/vector_tests.rs.
//!
//! Rust has no reflection, so the field accessors each test calls are chosen here: for
//! every field of a vector, the getter is looked up by name in the generated module's
//! read view (its signature says whether it is text, an enum, a flag set, a nested view
//! or a primitive), and the matching setter follows the generated naming rules
//! (`set_x`, `set_x_raw`, `set_x_str`, `x_mut`). The expected values are read from the
//! JSON at run time, so a test compares the generated code with the vector, never with
//! itself.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// One getter of a read view: its name, whether it takes an index, and its return type.
struct Getter {
    name: String,
    indexed: bool,
    ret: String,
}

/// Getters of every read view, by (schema, struct).
type Api = BTreeMap<(String, String), Vec<Getter>>;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-env-changed=TACHYON_VECTORS_DIR");
    let vectors = env::var("TACHYON_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join(".."));
    let generated = manifest.join("../../../generated/rust");
    println!("cargo:rerun-if-changed={}", vectors.display());
    println!("cargo:rerun-if-changed={}", generated.display());
    println!("cargo:rustc-env=VECTORS_DIR={}", vectors.display());

    let api = read_api(&generated);
    let mut files: Vec<PathBuf> = fs::read_dir(&vectors)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();

    let mut out = String::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = fs::read_to_string(file).expect("vector file readable");
        let doc: Value = serde_json::from_str(&text).expect("vector file is JSON");
        let schema = doc["schema"]
            .as_str()
            .expect("\"schema\" is a string")
            .to_string();
        writeln!(out, "mod {schema} {{").unwrap();
        writeln!(out, "    #![allow(unused_imports)]").unwrap();
        writeln!(out, "    use super::*;").unwrap();
        writeln!(out, "    use tachyon_vectors::generated::*;").unwrap();
        writeln!(out, "    use tachyon_vectors::generated::{schema}::*;").unwrap();
        let empty = Vec::new();
        let list = doc["vectors"].as_array().unwrap_or(&empty);
        for (index, vector) in list.iter().enumerate() {
            let ty = vector["type"].as_str().expect("\"type\" is a string");
            let mut body = String::new();
            match gen_vector(&api, &schema, ty, &vector["fields"], index, &mut body) {
                Ok(()) => out.push_str(&body),
                Err(why) => {
                    // A vector the generated API cannot express fails, visibly.
                    writeln!(out, "    #[test]").unwrap();
                    writeln!(out, "    fn {}_{index}() {{", snake(ty)).unwrap();
                    writeln!(out, "        panic!({why:?});").unwrap();
                    writeln!(out, "    }}").unwrap();
                }
            }
        }
        gen_text_rules(&schema, &doc, &mut out);
        writeln!(out, "}}").unwrap();
    }
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("vector_tests.rs");
    fs::write(dest, out).expect("OUT_DIR writable");
}

/// The char[N] rules: text that does not fit is refused (TextError) with the record's
/// bytes untouched; bytes that are not UTF-8 fail to read as text (Utf8Error) and stay
/// readable as bytes.
fn gen_text_rules(schema: &str, doc: &Value, out: &mut String) {
    let empty = Vec::new();
    for (i, r) in doc["text_refused"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let ty = r["type"].as_str().expect("\"type\" is a string");
        let s = snake(r["field"].as_str().expect("\"field\" is a string"));
        writeln!(out, "    #[test]").unwrap();
        writeln!(out, "    fn text_refused_{i}() {{").unwrap();
        writeln!(
            out,
            "        let (r, bytes) = load_rule({schema:?}, \"text_refused\", {i});"
        )
        .unwrap();
        writeln!(out, "        let mut buf = bytes.clone();").unwrap();
        writeln!(out, "        {{").unwrap();
        writeln!(
            out,
            "            let mut m = {ty}Mut::from_bytes(&mut buf).expect(\"SIZE bytes\");"
        )
        .unwrap();
        writeln!(
            out,
            "            assert!(m.set_{s}_str(text(&r[\"value\"])).is_err(), \"refused\");"
        )
        .unwrap();
        writeln!(out, "        }}").unwrap();
        writeln!(
            out,
            "        assert_eq!(hex(&buf), hex(&bytes), \"the record is untouched\");"
        )
        .unwrap();
        writeln!(out, "    }}").unwrap();
    }
    for (i, r) in doc["text_invalid"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let ty = r["type"].as_str().expect("\"type\" is a string");
        let s = snake(r["field"].as_str().expect("\"field\" is a string"));
        writeln!(out, "    #[test]").unwrap();
        writeln!(out, "    fn text_invalid_{i}() {{").unwrap();
        writeln!(
            out,
            "        let (r, bytes) = load_rule({schema:?}, \"text_invalid\", {i});"
        )
        .unwrap();
        writeln!(
            out,
            "        let view = {ty}::from_bytes(&bytes).expect(\"SIZE bytes\");"
        )
        .unwrap();
        writeln!(
            out,
            "        assert!(view.{s}_str().is_err(), \"not UTF-8\");"
        )
        .unwrap();
        writeln!(out, "        let raw = unhex(text(&r[\"raw\"]));").unwrap();
        writeln!(
            out,
            "        assert_eq!(&view.{s}()[..raw.len()], &raw[..], \"the bytes\");"
        )
        .unwrap();
        writeln!(out, "    }}").unwrap();
    }
}

/// "MarketTick" -> "market_tick", as tachc's name_snake does.
fn snake(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut at_start = true;
    for i in 0..c.len() {
        let ch = c[i];
        if ch == '_' {
            at_start = true;
            continue;
        }
        let mut boundary = i > 0
            && ch.is_ascii_uppercase()
            && (c[i - 1].is_ascii_lowercase() || c[i - 1].is_ascii_digit());
        if i > 0
            && ch.is_ascii_uppercase()
            && c[i - 1].is_ascii_uppercase()
            && i + 1 < c.len()
            && c[i + 1].is_ascii_lowercase()
        {
            boundary = true;
        }
        if boundary {
            at_start = true;
        }
        if at_start && !out.is_empty() {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
        at_start = false;
    }
    out
}

/// Reads the getters of every `impl<'a> X<'a>` block of generated/rust/*.rs.
fn read_api(dir: &Path) -> Api {
    let mut api = Api::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return api;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(schema) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if schema == "mod" || path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = fs::read_to_string(&path).unwrap_or_default();
        let mut current: Option<String> = None;
        let mut sig = String::new();
        for line in src.lines() {
            if let Some(rest) = line.strip_prefix("impl<'a> ") {
                if let Some(name) = rest.strip_suffix("<'a> {") {
                    if !name.ends_with("Mut") && !name.contains(' ') {
                        current = Some(name.to_string());
                    }
                }
                continue;
            }
            if line == "}" {
                current = None;
                continue;
            }
            let Some(ty) = &current else { continue };
            let t = line.trim();
            if sig.is_empty() && !t.starts_with("pub fn ") {
                continue;
            }
            sig.push_str(t);
            sig.push(' ');
            if !t.ends_with('{') {
                continue;
            }
            if let Some(g) = parse_sig(&sig) {
                api.entry((schema.clone(), ty.clone())).or_default().push(g);
            }
            sig.clear();
        }
    }
    api
}

/// "pub fn price(&self) -> f64 {" -> Getter; None for anything that is not a getter.
fn parse_sig(sig: &str) -> Option<Getter> {
    let compact = sig
        .replace("( ", "(")
        .replace(", )", ")")
        .replace(",)", ")");
    let rest = compact.strip_prefix("pub fn ")?;
    let open = rest.find('(')?;
    let name = rest[..open].to_string();
    let close = rest.find(") -> ")?;
    let params = rest[open + 1..close].trim();
    let ret = rest[close + 5..]
        .trim()
        .strip_suffix('{')?
        .trim()
        .to_string();
    let indexed = match params {
        "&self" => false,
        "&self, index: usize" => true,
        _ => return None,
    };
    Some(Getter { name, indexed, ret })
}

/// What a getter's return type says about the field.
enum Kind {
    Text,
    Enum,
    Prim,
    View(String, String),
    Flags(String),
}

fn classify(schema: &str, ret: &str) -> Kind {
    const PRIMS: [&str; 11] = [
        "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64", "bool",
    ];
    if ret.starts_with("&'a [u8;") {
        Kind::Text
    } else if ret.starts_with("Result<") {
        Kind::Enum
    } else if PRIMS.contains(&ret) {
        Kind::Prim
    } else if let Some(name) = ret.strip_suffix("<'a>") {
        match name.split_once("::") {
            Some((s, n)) => Kind::View(s.to_string(), n.to_string()),
            None => Kind::View(schema.to_string(), name.to_string()),
        }
    } else {
        Kind::Flags(ret.to_string())
    }
}

fn find<'g>(
    api: &'g Api,
    schema: &str,
    ty: &str,
    field: &str,
    indexed: bool,
) -> Result<&'g Getter, String> {
    let getters = api
        .get(&(schema.to_string(), ty.to_string()))
        .ok_or_else(|| format!("no generated read view {schema}::{ty}"))?;
    let s = snake(field);
    let names = [s.clone(), format!("r#{s}"), format!("{s}_")];
    getters
        .iter()
        .find(|g| g.indexed == indexed && names.contains(&g.name))
        .ok_or_else(|| format!("{schema}::{ty} has no getter for field {field}"))
}

fn gen_vector(
    api: &Api,
    schema: &str,
    ty: &str,
    fields: &Value,
    index: usize,
    out: &mut String,
) -> Result<(), String> {
    let mut reads = String::new();
    let mut writes = String::new();
    gen_fields(api, schema, ty, fields, ty, 2, &mut reads, &mut writes)?;
    let fname = snake(ty);
    writeln!(out, "    #[test]").unwrap();
    writeln!(out, "    fn {fname}_{index}() {{").unwrap();
    writeln!(out, "        let (f, bytes) = load({schema:?}, {index});").unwrap();
    writeln!(out, "        let f = &f;").unwrap();
    writeln!(
        out,
        "        let view = {ty}::from_bytes(&bytes).expect(\"vector has SIZE bytes\");"
    )
    .unwrap();
    writeln!(
        out,
        "        assert_eq!(bytes.len(), {ty}::SIZE, \"vector length\");"
    )
    .unwrap();
    out.push_str(&reads);
    writeln!(out, "        let mut buf = vec![0u8; {ty}::SIZE];").unwrap();
    writeln!(out, "        {{").unwrap();
    writeln!(
        out,
        "            let mut m = {ty}Mut::from_bytes(&mut buf).expect(\"SIZE bytes\");"
    )
    .unwrap();
    out.push_str(&writes);
    writeln!(out, "        }}").unwrap();
    writeln!(
        out,
        "        assert_eq!(hex(&buf), hex(&bytes), \"{schema}.{ty} vector {index} re-encoded\");"
    )
    .unwrap();
    writeln!(out, "    }}").unwrap();
    Ok(())
}

/// Emits the reads (checks through `view`) and writes (through `m`) of one struct's fields,
/// found in the JSON object `f`.
#[allow(clippy::too_many_arguments)]
fn gen_fields(
    api: &Api,
    schema: &str,
    ty: &str,
    fields: &Value,
    path: &str,
    depth: usize,
    reads: &mut String,
    writes: &mut String,
) -> Result<(), String> {
    let pad = "    ".repeat(depth);
    let obj = fields
        .as_object()
        .ok_or_else(|| format!("{path}: fields are not an object"))?;
    for (key, value) in obj {
        let p = format!("{path}.{key}");
        let s = snake(key);
        let at = format!("&f[{key:?}]");
        if let Value::Array(items) = value {
            let g = find(api, schema, ty, key, true)?;
            writeln!(
                reads,
                "{pad}assert_eq!(view.{s}_iter().count(), {}, {p:?});",
                items.len()
            )
            .unwrap();
            writeln!(reads, "{pad}for (i, e) in arr({at}).iter().enumerate() {{").unwrap();
            writeln!(writes, "{pad}for (i, e) in arr({at}).iter().enumerate() {{").unwrap();
            let n = &g.name;
            match classify(schema, &g.ret) {
                Kind::Prim => {
                    writeln!(reads, "{pad}    check(view.{n}(i), e, {p:?});").unwrap();
                    writeln!(writes, "{pad}    m.set_{s}(i, json(e));").unwrap();
                }
                Kind::Enum => {
                    writeln!(reads, "{pad}    check(view.{s}_raw(i), e, {p:?});").unwrap();
                    writeln!(writes, "{pad}    m.set_{s}_raw(i, json(e));").unwrap();
                }
                Kind::Flags(t) => {
                    writeln!(reads, "{pad}    check(view.{n}(i).bits(), e, {p:?});").unwrap();
                    writeln!(
                        writes,
                        "{pad}    m.set_{s}(i, {t}::from_bits_retain(json(e)));"
                    )
                    .unwrap();
                }
                Kind::View(vs, vt) => {
                    let elem = items.first().cloned().unwrap_or(Value::Null);
                    writeln!(reads, "{pad}    let view = view.{n}(i);").unwrap();
                    writeln!(reads, "{pad}    let f = e;").unwrap();
                    writeln!(writes, "{pad}    let mut m = m.{s}_mut(i);").unwrap();
                    writeln!(writes, "{pad}    let f = e;").unwrap();
                    // Every element has the shape of the first; each is read from its own JSON.
                    gen_fields(api, &vs, &vt, &elem, &p, depth + 1, reads, writes)?;
                }
                Kind::Text => return Err(format!("{p}: an array of text")),
            }
            writeln!(reads, "{pad}}}").unwrap();
            writeln!(writes, "{pad}}}").unwrap();
            continue;
        }
        let g = find(api, schema, ty, key, false)?;
        let n = &g.name;
        match classify(schema, &g.ret) {
            Kind::Text => {
                writeln!(
                    reads,
                    "{pad}assert_eq!(view.{s}_str().expect(\"UTF-8\"), text({at}), {p:?});"
                )
                .unwrap();
                writeln!(
                    writes,
                    "{pad}m.set_{s}_str(text({at})).expect(\"text fits\");"
                )
                .unwrap();
            }
            Kind::Enum => {
                writeln!(reads, "{pad}check(view.{s}_raw(), {at}, {p:?});").unwrap();
                writeln!(writes, "{pad}m.set_{s}_raw(json({at}));").unwrap();
            }
            Kind::Prim => {
                writeln!(reads, "{pad}check(view.{n}(), {at}, {p:?});").unwrap();
                writeln!(writes, "{pad}m.set_{s}(json({at}));").unwrap();
            }
            Kind::Flags(t) => {
                writeln!(reads, "{pad}check(view.{n}().bits(), {at}, {p:?});").unwrap();
                writeln!(writes, "{pad}m.set_{s}({t}::from_bits_retain(json({at})));").unwrap();
            }
            Kind::View(vs, vt) => {
                writeln!(reads, "{pad}{{").unwrap();
                writeln!(reads, "{pad}    let view = view.{n}();").unwrap();
                writeln!(reads, "{pad}    let f = {at};").unwrap();
                writeln!(writes, "{pad}{{").unwrap();
                writeln!(writes, "{pad}    let mut m = m.{s}_mut();").unwrap();
                writeln!(writes, "{pad}    let f = {at};").unwrap();
                gen_fields(api, &vs, &vt, value, &p, depth + 1, reads, writes)?;
                writeln!(reads, "{pad}}}").unwrap();
                writeln!(writes, "{pad}}}").unwrap();
            }
        }
    }
    Ok(())
}
