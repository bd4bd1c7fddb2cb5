//! The page's side of the training worker: starts it, sends commands with
//! their files (transferred, not copied), and hands reports to a callback.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions};

use sweeplab_core::data::ProvidedFile;

use sweeplab_core::protocol::{FromWorker, ToWorker};

/// Which training worker: index.html links two builds of sweeplab-worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerKind {
    /// Burn's flex backend only (the small download).
    Cpu,
    /// WebGPU, with the CPU as its fallback.
    Gpu,
}

impl WorkerKind {
    /// The script Trunk writes for this worker's binary.
    fn script(self) -> &'static str {
        match self {
            Self::Cpu => "./cpu_worker_loader.js",
            Self::Gpu => "./gpu_worker_loader.js",
        }
    }
}

/// A message held until the worker has loaded.
type Held = (Array, Array);

/// A running training worker.
pub struct Trainer {
    worker: Worker,
    /// Messages sent before the worker said [`FromWorker::Loaded`]; `None`
    /// once it has.
    held: Rc<RefCell<Option<Vec<Held>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Trainer {
    /// Start a worker of `kind`; `on_report` gets every report it sends.
    pub fn spawn(
        kind: WorkerKind,
        on_report: impl Fn(FromWorker) + 'static,
    ) -> Result<Self, String> {
        let options = WorkerOptions::new();
        let worker = Worker::new_with_options(kind.script(), &options)
            .map_err(|e| format!("cannot start the training worker: {e:?}"))?;
        let report = Rc::new(on_report);
        let held: Rc<RefCell<Option<Vec<Held>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let on_message = {
            let report = report.clone();
            let held = held.clone();
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<FromWorker>(&text) {
                    Ok(FromWorker::Loaded) => {
                        for (message, transfer) in held.borrow_mut().take().unwrap_or_default() {
                            let _ = worker.post_message_with_transfer(&message, &transfer);
                        }
                    }
                    Ok(message) => report(message),
                    Err(e) => report(FromWorker::Error {
                        message: format!("worker sent an unreadable report: {e}"),
                    }),
                }
            })
        };
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                report(FromWorker::Error {
                    message: format!("training worker crashed: {}", e.message()),
                });
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            held,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Send a command; `files` follow it as transferred byte arrays.
    pub fn send(&self, command: &ToWorker, files: &[ProvidedFile]) {
        let text = serde_json::to_string(command).expect("commands serialise");
        let message = Array::new();
        message.push(&JsValue::from_str(&text));
        let transfer = Array::new();
        for file in files {
            let bytes = Uint8Array::from(file.bytes.as_slice());
            transfer.push(&bytes.buffer());
            message.push(&bytes);
        }
        if let Some(queue) = self.held.borrow_mut().as_mut() {
            queue.push((message, transfer));
            return;
        }
        let _ = self.worker.post_message_with_transfer(&message, &transfer);
    }
}

impl Drop for Trainer {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
