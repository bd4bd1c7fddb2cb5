//! The wgpu (GPU) code path, on Mesa's lavapipe software Vulkan adapter
//! where no GPU exists (installed by `make setup`).

use std::process::Command;

use sweeplab_core::record::{Backend, TrialStatus, parse_jsonl};

use crate::common::{BIN, scratch};

#[test]
fn backend_gpu_trains_on_a_wgpu_adapter_and_auto_skips_software_ones() {
    let dir = scratch("gpu", "backends");
    let sweep = dir.join("gpu.toml");
    std::fs::write(
        &sweep,
        r#"
name = "gpu"
[dataset]
name = "fashion-mnist"
train_limit = 256
val_limit = 128
[base.model]
kind = "mlp"
dense = [32]
[base.train]
epochs = 2
[[axes]]
path = "model.dropout"
values = [0.0, 0.5]
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = Command::new(BIN)
        .args([
            "run",
            sweep.to_str().unwrap(),
            "--backend",
            "gpu",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let recs = parse_jsonl(
        "t",
        &std::fs::read_to_string(out.join("trials.jsonl")).unwrap(),
    )
    .unwrap()
    .records;
    assert_eq!(recs.len(), 2);
    for r in &recs {
        assert_eq!(r.status, TrialStatus::Finished, "{:?}", r.error);
        assert_eq!(r.backend, Some(Backend::Wgpu));
        assert!(
            r.epochs[1].val_accuracy > 0.3,
            "learns on the GPU path: {:?}",
            r.epochs
        );
    }
    // On a machine whose only adapter is software, auto picks the CPU.
    let auto = Command::new(BIN)
        .args([
            "run",
            sweep.to_str().unwrap(),
            "-q",
            "--out",
            dir.join("auto").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(auto.status.success());
    let recs = parse_jsonl(
        "t",
        &std::fs::read_to_string(dir.join("auto/trials.jsonl")).unwrap(),
    )
    .unwrap()
    .records;
    let hardware = sweeplab_native::device::adapters().iter().any(|a| {
        matches!(
            a.kind,
            wgpu::DeviceType::DiscreteGpu
                | wgpu::DeviceType::IntegratedGpu
                | wgpu::DeviceType::VirtualGpu
        )
    });
    let expected = Some(if hardware {
        Backend::Wgpu
    } else {
        Backend::Flex
    });
    assert!(
        recs.iter().all(|r| r.backend == expected),
        "auto chose {:?}",
        recs[0].backend
    );
}
