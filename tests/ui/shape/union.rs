use databag::Databag;

#[derive(Databag)]
union Port {
    number: u16,
    raw: [u8; 2],
}

fn main() {}
