//! Writes `$OUT_DIR/bundle_files.rs`: every file of `public/data/` embedded with
//! `include_bytes!`, by its path under `public/data/`.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../public/data");
    let mut paths = vec!["scores.bin.gz".to_string()];
    let mut texts: Vec<String> = std::fs::read_dir(data.join("text"))
        .expect("public/data/text")
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .map(|name| format!("text/{name}"))
        .collect();
    texts.sort();
    paths.extend(texts);
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for path in &paths {
        let full = data.join(path).canonicalize().expect("bundle file");
        writeln!(
            code,
            "    ({path:?}, include_bytes!({:?})),",
            full.display()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundle_files.rs");
    std::fs::write(out, code).unwrap();
    println!("cargo::rerun-if-changed=../public/data");
}
