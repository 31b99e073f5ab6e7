// A field type the runtime does not support: one message naming the supported types.
use databag::Databag;

#[derive(Databag)]
struct Answer {
    endpoints: String,
    port: u32,
}

fn main() {}
