//! Python's `json.dumps` with its defaults, byte for byte: what the reference library writes.

use std::fmt::Write;

use serde_json::{Number, Value};

/// `json.dumps(value)` with Python's defaults: separators `", "` and `": "`, non-ASCII as
/// `\uXXXX` (surrogate pairs above the BMP), keys in the object's order.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

pub(crate) fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(out, number),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Python's `ESCAPE_ASCII`: `"` and `\`, the short escapes, and everything outside `' '..='~'`
/// as lowercase `\uXXXX`.
pub(crate) fn write_string(out: &mut String, text: &str) {
    out.push('"');
    // Most text is printable ASCII: copy each run of it whole, escape what lies between.
    let mut rest = text;
    while let Some(at) = first_escape(rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let mut chars = rest[at..].chars();
        if let Some(c) = chars.next() {
            write_escaped(out, c);
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// The index of the first byte that starts an escape. Eight bytes at a time while none does
/// (each test is exact for every byte of the word, so a clean word is clean), then byte by byte.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGH;
    let mut start = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
        let special = below_space
            | (word & HIGH)
            | has_zero(word ^ (ONES * 0x7f))
            | has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')));
        if special != 0 {
            break;
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
        .map(|at| start + at)
}

/// The bytes that start an escape: outside `' '..='~'` (controls, and every byte of a
/// non-ASCII character), `"` and `\`.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [true; 256];
    let mut byte = b' ';
    while byte <= b'~' {
        table[byte as usize] = byte == b'"' || byte == b'\\';
        byte += 1;
    }
    table
};

fn write_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
}

fn write_number(out: &mut String, number: &Number) {
    if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
        out.push_str(&python_float(float));
    } else {
        // i64 / u64: the same digits in both languages.
        out.push_str(&number.to_string());
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, positional notation when the
/// decimal exponent is in `-4..16` (always with a fractional part), else `d.ddde±XX`.
fn python_float(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_owned();
    }
    // Rust's `{:e}` also prints the shortest round-tripping digits.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if value < 0.0 { "-" } else { "" };
    // Position of the decimal point relative to the digits: value = 0.DIGITS × 10^point.
    let point = exponent + 1;
    let body = if point <= -4 || point > 16 {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
    } else if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else {
        let point = point as usize;
        if point >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_the_same_first_escape_as_the_byte_scan() {
        let naive = |bytes: &[u8]| bytes.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]);
        let specials = [0x00u8, 0x1f, b'"', b'\\', 0x7f, 0x80, 0xc3, 0xff];
        for len in 0..20 {
            for at in 0..=len {
                for special in specials {
                    let mut bytes = vec![b'a'; len];
                    if at < len {
                        bytes[at] = special;
                    }
                    // Neighbours of the special values that need no escape.
                    bytes
                        .iter_mut()
                        .step_by(3)
                        .filter(|b| **b == b'a')
                        .for_each(|b| *b = b' ');
                    bytes
                        .iter_mut()
                        .skip(1)
                        .step_by(5)
                        .filter(|b| **b == b'a')
                        .for_each(|b| *b = b'~');
                    assert_eq!(first_escape(&bytes), naive(&bytes), "{bytes:?}");
                }
            }
        }
    }
    use serde_json::json;

    // Expected strings are `python3 -c 'import json; print(json.dumps(...))'` output.

    #[test]
    fn scalars() {
        assert_eq!(python_json(&json!(null)), "null");
        assert_eq!(python_json(&json!(true)), "true");
        assert_eq!(python_json(&json!(false)), "false");
        assert_eq!(python_json(&json!(0)), "0");
        assert_eq!(python_json(&json!(-42)), "-42");
        assert_eq!(python_json(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(python_json(&json!(i64::MIN)), "-9223372036854775808");
    }

    #[test]
    fn containers_use_python_separators_and_keep_order() {
        assert_eq!(python_json(&json!([])), "[]");
        assert_eq!(python_json(&json!({})), "{}");
        assert_eq!(
            python_json(&json!(["username", "password", "tls", "tls-ca"])),
            r#"["username", "password", "tls", "tls-ca"]"#
        );
        assert_eq!(
            python_json(&json!({"z": 1, "a": [true, null, {"k": "v"}], "m": {}})),
            r#"{"z": 1, "a": [true, null, {"k": "v"}], "m": {}}"#
        );
        assert_eq!(
            python_json(
                &json!([{"resource": "application:*", "request-id": "836763deea236532", "salt": null}])
            ),
            r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": null}]"#
        );
    }

    #[test]
    fn strings_escape_like_ensure_ascii() {
        // json.dumps("q\"b\\s/n\nr\rt\tb\bf\f")
        assert_eq!(
            python_json(&json!("q\"b\\s/n\nr\rt\tb\u{8}f\u{c}")),
            r#""q\"b\\s/n\nr\rt\tb\bf\f""#
        );
        // json.dumps("\x00\x01\x1f\x7f ~")
        assert_eq!(
            python_json(&json!("\u{0}\u{1}\u{1f}\u{7f} ~")),
            r#""\u0000\u0001\u001f\u007f ~""#
        );
        // json.dumps("é€ÿ\u2028")
        assert_eq!(
            python_json(&json!("é€ÿ\u{2028}")),
            r#""\u00e9\u20ac\u00ff\u2028""#
        );
        // json.dumps("😀𝄞") — surrogate pairs, lowercase hex
        assert_eq!(python_json(&json!("😀𝄞")), r#""\ud83d\ude00\ud834\udd1e""#);
        // json.dumps({"ключ": "</script>"})
        assert_eq!(
            python_json(&json!({"ключ": "</script>"})),
            r#"{"\u043a\u043b\u044e\u0447": "</script>"}"#
        );
    }

    #[test]
    fn floats_follow_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (123456.789, "123456.789"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100.0, "100.0"),
            (0.30000000000000004, "0.30000000000000004"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_json(&json!(value)), expected, "{value:?}");
        }
        assert_eq!(python_json(&json!([1.0, 2])), "[1.0, 2]");
    }
}
