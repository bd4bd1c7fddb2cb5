//! Choosing where trials train: a GPU adapter through wgpu (Vulkan, Metal,
//! DX12) or the CPU (Burn's flex backend).

use burn::prelude::*;
use burn::tensor::DeviceKind;

use crate::cli::BackendChoice;
use crate::error::{CliError, input};
use sweeplab_core::record::Backend;

/// The chosen device and how records name it.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// Where tensors live.
    pub device: Device,
    /// The backend, for records.
    pub backend: Backend,
    /// Adapter or CPU description for records.
    pub name: String,
}

/// A wgpu adapter: its name, kind and graphics API.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// Driver's name for it.
    pub name: String,
    /// Discrete, integrated, virtual, CPU (software) or other.
    pub kind: wgpu::DeviceType,
    /// Vulkan, Metal, DX12, GL.
    pub api: String,
}

/// The adapters wgpu finds on this machine.
pub fn adapters() -> Vec<Adapter> {
    // Vulkan / Metal / DX12 only: the GL backend probes a display and
    // prints noise on machines without one.
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::PRIMARY;
    let instance = wgpu::Instance::new(desc);
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY))
        .iter()
        .map(|a| {
            let info = a.get_info();
            Adapter {
                name: info.name,
                kind: info.device_type,
                api: format!("{:?}", info.backend).to_lowercase(),
            }
        })
        .collect()
}

fn cpu() -> Chosen {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Chosen {
        device: Device::flex(),
        backend: Backend::Flex,
        name: format!("cpu ({threads} threads)"),
    }
}

/// The device for `backend`: `auto` takes a hardware GPU if wgpu finds one
/// (software adapters such as lavapipe do not count), else the CPU; `gpu`
/// takes the best adapter there is, software included, and fails without one.
pub fn choose(backend: BackendChoice, found: &[Adapter]) -> Result<Chosen, CliError> {
    use wgpu::DeviceType as T;
    let rank = |k: T| match k {
        T::DiscreteGpu => 0,
        T::IntegratedGpu => 1,
        T::VirtualGpu => 2,
        T::Other => 3,
        T::Cpu => 4,
    };
    let best = found.iter().min_by_key(|a| rank(a.kind));
    let wgpu = |a: &Adapter| {
        let kind = match a.kind {
            T::DiscreteGpu => DeviceKind::DiscreteGpu(0),
            T::IntegratedGpu => DeviceKind::IntegratedGpu(0),
            T::VirtualGpu => DeviceKind::VirtualGpu(0),
            T::Cpu => DeviceKind::Cpu,
            T::Other => DeviceKind::DefaultDevice,
        };
        Chosen {
            device: Device::wgpu(kind),
            backend: Backend::Wgpu,
            name: format!("{} ({}, {:?})", a.name, a.api, a.kind),
        }
    };
    match backend {
        BackendChoice::Cpu => Ok(cpu()),
        BackendChoice::Auto => Ok(best.filter(|a| rank(a.kind) <= 2).map_or_else(cpu, wgpu)),
        BackendChoice::Gpu => best.map(wgpu).ok_or_else(|| {
            input("--backend gpu: wgpu found no GPU adapter (install a Vulkan, Metal or DX12 driver, or use --backend cpu)")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(name: &str, kind: wgpu::DeviceType) -> Adapter {
        Adapter {
            name: name.into(),
            kind,
            api: "vulkan".into(),
        }
    }

    #[test]
    fn auto_prefers_hardware_and_skips_software_adapters() {
        let software = [adapter("llvmpipe", wgpu::DeviceType::Cpu)];
        assert_eq!(
            choose(BackendChoice::Auto, &software).unwrap().backend,
            Backend::Flex
        );
        assert_eq!(
            choose(BackendChoice::Gpu, &software).unwrap().backend,
            Backend::Wgpu
        );
        let both = [
            adapter("llvmpipe", wgpu::DeviceType::Cpu),
            adapter("RTX", wgpu::DeviceType::DiscreteGpu),
        ];
        let chosen = choose(BackendChoice::Auto, &both).unwrap();
        assert!(chosen.name.starts_with("RTX (vulkan"), "{}", chosen.name);
        assert_eq!(
            choose(BackendChoice::Cpu, &both).unwrap().backend,
            Backend::Flex
        );
        let err = choose(BackendChoice::Gpu, &[]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
