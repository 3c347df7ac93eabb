//! Minimal XML writer for EC2 responses.
//!
//! EC2 responses are small, flat and fully determined by us, so a writer
//! that only escapes text is all that is needed; the SDK's own deserializer
//! in the tests is the check that the shapes are right.

pub const NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

#[derive(Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    pub fn new() -> Xml {
        Xml::default()
    }

    pub fn into_string(self) -> String {
        self.buf
    }

    /// `<tag>…</tag>` with children written by `body`.
    pub fn elem(&mut self, tag: &str, body: impl FnOnce(&mut Xml)) -> &mut Xml {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        body(self);
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag>text</tag>`, escaped.
    pub fn text(&mut self, tag: &str, value: &str) -> &mut Xml {
        self.elem(tag, |x| escape_into(&mut x.buf, value))
    }

    pub fn opt_text(&mut self, tag: &str, value: Option<&str>) -> &mut Xml {
        if let Some(v) = value {
            self.text(tag, v);
        }
        self
    }

    pub fn bool(&mut self, tag: &str, value: bool) -> &mut Xml {
        self.text(tag, if value { "true" } else { "false" })
    }

    /// `<tag><item>…</item>…</tag>`, EC2's list encoding.
    pub fn list<T>(
        &mut self,
        tag: &str,
        items: &[T],
        mut item: impl FnMut(&mut Xml, &T),
    ) -> &mut Xml {
        self.elem(tag, |x| {
            for it in items {
                x.elem("item", |x| item(x, it));
            }
        })
    }

    /// `<tagSet>` with a `Name` tag when the object has a name.
    pub fn name_tag(&mut self, name: Option<&str>) -> &mut Xml {
        let names: Vec<&str> = name.into_iter().collect();
        self.list("tagSet", &names, |x, n| {
            x.text("key", "Name").text("value", n);
        })
    }
}

fn escape_into(buf: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '"' => buf.push_str("&quot;"),
            '\'' => buf.push_str("&apos;"),
            c => buf.push(c),
        }
    }
}

/// A successful response: `<{Action}Response xmlns=…><requestId>…`.
pub fn success_document(action: &str, request_id: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<{action}Response xmlns=\"{NAMESPACE}\">"));
    out.push_str(&format!("<requestId>{request_id}</requestId>"));
    out.push_str(body);
    out.push_str(&format!("</{action}Response>"));
    out
}

/// An error response in EC2's `<Response><Errors>` envelope.
pub fn error_document(code: &str, message: &str, request_id: &str) -> String {
    let mut x = Xml::new();
    x.elem("Response", |x| {
        x.elem("Errors", |x| {
            x.elem("Error", |x| {
                x.text("Code", code).text("Message", message);
            });
        })
        .text("RequestID", request_id);
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        x.into_string()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        let mut x = Xml::new();
        x.text("a", "<&'\">");
        assert_eq!(x.into_string(), "<a>&lt;&amp;&apos;&quot;&gt;</a>");
    }

    #[test]
    fn error_envelope_matches_ec2() {
        let doc = error_document("X", "y", "id");
        assert!(doc.ends_with(
            "<Response><Errors><Error><Code>X</Code><Message>y</Message></Error></Errors><RequestID>id</RequestID></Response>"
        ));
    }
}
