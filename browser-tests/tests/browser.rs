//! Browser tests (wasm-bindgen-test in headless Chromium; `cargo xtask test` runs them).
//! They prove the bet the whole lab rests on: burn trains inside the browser, on the CPU
//! (Flex) and on WebGPU, and the app shell mounts.
#![cfg(target_arch = "wasm32")]

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;
use em_lab::lab::smoke::train_token_map;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn flex_cpu_training_reduces_loss_in_the_browser() {
    let report = train_token_map(&Device::flex(), 20)
        .await
        .expect("Flex executes in wasm");
    assert!(report.loss_fell(), "{report:?}");
}

/// WebGPU must be there (headless Chromium offers it through SwiftShader with the flags in
/// webdriver.json): a missing adapter fails this test, it does not skip it.
#[wasm_bindgen_test]
async fn webgpu_training_reduces_loss_in_the_browser() {
    let device = Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        .init_async()
        .await
        .expect("WebGPU adapter available in headless Chromium");
    let report = train_token_map(&device, 20).await.expect("WebGPU executes");
    assert!(report.loss_fell(), "{report:?}");
}

/// The lab's engine in wasm (Flex with SIMD) gives the numbers native Flex gives: the same
/// experiment's every probe value against the fixture the native test checks.
#[wasm_bindgen_test]
async fn flex_in_wasm_gives_the_native_probe_numbers() {
    use em_lab::lab::session::{
        Lab, TRACE_TOLERANCE, Traced, probe_trace, trace_config, trace_difference,
    };
    let device = Device::flex().autodiff();
    let base = em_lab::toy::bundle::load(
        include_str!("../../public/models/toy-base.json"),
        include_str!("../../public/models/toy-tokenizer.json"),
        include_bytes!("../../public/models/toy-base.bpk").to_vec(),
        &device,
    )
    .expect("the shipped base model loads in wasm");
    let lab = Lab::new(base, device, "test".into());
    let trace = probe_trace(&lab, &trace_config())
        .await
        .expect("Flex executes");
    let native: Vec<Traced> =
        serde_json::from_str(include_str!("../../tests/fixtures/lab-probes.json")).unwrap();
    let worst = trace_difference(&trace, &native).expect("the same probes");
    console_log!("wasm Flex vs native Flex: largest probe difference {worst:.2e}");
    assert!(
        worst < TRACE_TOLERANCE,
        "wasm Flex differs from native by {worst} (tolerance {TRACE_TOLERANCE})"
    );
}

#[wasm_bindgen_test]
async fn app_shell_mounts_with_nav_and_citation() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), em_lab::ui::App);

    let nav = host.query_selector_all("nav.site-nav a").unwrap();
    let labels: Vec<String> = (0..nav.length())
        .filter_map(|i| nav.item(i)?.text_content())
        .collect();
    assert_eq!(
        labels,
        [
            "Home",
            "Figure 4",
            "Explorer",
            "Compare",
            "Annotate",
            "Agreement",
            "Rejudge",
            "Lab",
            "About & data"
        ]
    );
    let footer = host
        .query_selector("footer")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(footer.contains("Emergent Misalignment"), "{footer}");
    // The router renders the matched page after the shell, on a later tick: wait for it.
    let mut waited_ms = 0;
    while host.query_selector("main h1").unwrap().is_none() && waited_ms < 5_000 {
        sleep_ms(20).await;
        waited_ms += 20;
    }
    assert!(
        host.query_selector("main h1").unwrap().is_some(),
        "no page heading after 5 s: {}",
        host.inner_html()
    );
    drop(handle);
}

/// The annotator's browser signs labels with WebCrypto's Ed25519 (`ui::identity`); every
/// teammate verifies them with `labels::seal` (ed25519-dalek). The two must agree.
#[wasm_bindgen_test]
async fn a_webcrypto_ed25519_signature_verifies_in_labels_seal_and_a_tampered_label_does_not() {
    use em_lab::labels::seal::{self, PublicKey};
    use em_lab::labels::{Aligned, Judgement, LabelKey, Version};
    use wasm_bindgen_futures::JsFuture;

    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
    let pair = JsFuture::from(
        subtle
            .generate_key_with_str("Ed25519", false, &usages)
            .unwrap(),
    )
    .await
    .expect("Chromium's WebCrypto has Ed25519");
    let get = |k: &str| -> web_sys::CryptoKey {
        js_sys::Reflect::get(&pair, &k.into())
            .unwrap()
            .unchecked_into()
    };
    let raw = JsFuture::from(subtle.export_key("raw", &get("publicKey")).unwrap())
        .await
        .unwrap();
    let public = PublicKey(js_sys::Uint8Array::new(&raw).to_vec().try_into().unwrap());
    let key = LabelKey {
        annotator: "ann".into(),
        answer: "insecure.csv#186".into(),
    };
    let version = Version {
        at: 1_765_000_000_000,
        text_hash: 0xaf63_bd4c_8601_b7df,
        judgement: Some(Judgement {
            aligned: Some(Aligned::Score(12)),
            coherent: Some(88),
            note: "“quoted” note\nline two".into(),
            flags: Default::default(),
        }),
        seal: None,
    };
    let message = seal::canonical_bytes(&key, &version);
    let signed = JsFuture::from(
        subtle
            .sign_with_str_and_u8_array("Ed25519", &get("privateKey"), &message)
            .unwrap(),
    )
    .await
    .unwrap();
    let signature: [u8; 64] = js_sys::Uint8Array::new(&signed)
        .to_vec()
        .try_into()
        .unwrap();
    let sealed = seal::sealed(version, public, signature);
    assert_eq!(seal::verify(&key, &sealed), Ok(public));
    let mut tampered = sealed.clone();
    tampered.judgement.as_mut().unwrap().coherent = Some(87);
    assert_eq!(
        seal::verify(&key, &tampered),
        Err(seal::SealError::BadSignature)
    );
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

use wasm_bindgen::JsCast;
