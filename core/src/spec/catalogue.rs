//! Every hyperparameter for people: its name in words, where it sits in a
//! form (architecture, regularisation, optimisation, schedule), a one-line
//! help text with a typical range, and when it changes anything (model
//! family, optimiser, schedule, normalisation). The app's form shows the
//! fields that apply to a sweep's base config; the sweep file keeps them all.

use super::{ModelKind, Norm, Optimizer, Schedule, TrialConfig};

/// Where a hyperparameter sits in a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The network's shape.
    Architecture,
    /// What keeps it from overfitting.
    Regularisation,
    /// How each step updates the weights.
    Optimisation,
    /// How long it trains and how the learning rate moves.
    Schedule,
}

impl Group {
    /// Every group, in form order.
    pub const ALL: [Group; 4] = [
        Group::Architecture,
        Group::Regularisation,
        Group::Optimisation,
        Group::Schedule,
    ];

    /// The group's title.
    pub fn title(self) -> &'static str {
        match self {
            Group::Architecture => "Architecture",
            Group::Regularisation => "Regularisation",
            Group::Optimisation => "Optimisation",
            Group::Schedule => "Schedule",
        }
    }
}

/// One hyperparameter as a form shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hyperparameter {
    /// Its path in the sweep file (`model.dropout`).
    pub path: &'static str,
    /// Its name in words.
    pub name: &'static str,
    /// Its place in a form.
    pub group: Group,
    /// What it does and a typical range, in one line.
    pub help: &'static str,
}

const fn hp(
    path: &'static str,
    name: &'static str,
    group: Group,
    help: &'static str,
) -> Hyperparameter {
    Hyperparameter {
        path,
        name,
        group,
        help,
    }
}

use Group::{Architecture, Optimisation, Regularisation, Schedule as Timing};

/// Every hyperparameter of [`TrialConfig`], in form order within each group.
pub const CATALOGUE: &[Hyperparameter] = &[
    hp(
        "model.kind",
        "Model family",
        Architecture,
        "mlp: dense layers; cnn: convolutions for images; gru / lstm: recurrent, for sequences",
    ),
    hp(
        "model.conv_blocks",
        "Convolution blocks",
        Architecture,
        "conv → norm → activation → pool, repeated; typically 1–4",
    ),
    hp(
        "model.channels",
        "Channels per block",
        Architecture,
        "one number per block (the last repeats), e.g. 32, 64; more is slower and more capacity",
    ),
    hp(
        "model.kernel_size",
        "Kernel size",
        Architecture,
        "odd, 3 or 5 usually; padding keeps the image size",
    ),
    hp(
        "model.pool",
        "Pooling",
        Architecture,
        "max or avg halves the image after each block; none keeps it",
    ),
    hp(
        "model.residual",
        "Residual connections",
        Architecture,
        "add each block's input to its output; helps deeper stacks train",
    ),
    hp(
        "model.squeeze_excite",
        "Squeeze-and-excitation",
        Architecture,
        "a per-channel gate in each block; small extra cost",
    ),
    hp(
        "model.hidden",
        "Hidden size",
        Architecture,
        "units per recurrent layer; typically 32–256",
    ),
    hp(
        "model.layers",
        "Recurrent layers",
        Architecture,
        "stacked recurrent layers; 1–3",
    ),
    hp(
        "model.dense",
        "Dense layers",
        Architecture,
        "units per dense layer, e.g. 128, 64; empty: straight to the classes",
    ),
    hp(
        "model.activation",
        "Activation",
        Architecture,
        "relu is the usual start; gelu and leaky_relu are smoother",
    ),
    hp(
        "model.norm",
        "Normalisation",
        Regularisation,
        "batch norm steadies training and allows higher learning rates; layer / group do not depend on the batch",
    ),
    hp(
        "model.groups",
        "Norm groups",
        Regularisation,
        "channel groups for group norm; must divide the channels, e.g. 4 or 8",
    ),
    hp(
        "model.conv_dropout",
        "Dropout in conv blocks",
        Regularisation,
        "probability of zeroing a feature map value; 0–0.3",
    ),
    hp(
        "model.dropout",
        "Dropout (dense / between recurrent layers)",
        Regularisation,
        "probability of zeroing a unit while training; 0–0.6",
    ),
    hp(
        "train.weight_decay",
        "Weight decay",
        Regularisation,
        "L2 penalty on the weights (decoupled for adamw); 0 or 1e-5–1e-2",
    ),
    hp(
        "train.early_stopping_patience",
        "Early-stopping patience",
        Regularisation,
        "stop after this many epochs without a better validation loss; empty: the whole budget (trials stopped early never share a heatmap with full ones)",
    ),
    hp(
        "train.early_stopping_min_delta",
        "Early-stopping min. improvement",
        Regularisation,
        "the validation-loss drop that counts as better; e.g. 0.001",
    ),
    hp(
        "train.optimizer",
        "Optimiser",
        Optimisation,
        "adam is forgiving; sgd with momentum often generalises better with a tuned rate",
    ),
    hp(
        "train.lr",
        "Learning rate",
        Optimisation,
        "step size; adam ~1e-3, sgd ~1e-2–1e-1; scan it on a log scale",
    ),
    hp(
        "train.momentum",
        "Momentum",
        Optimisation,
        "sgd's momentum (or rmsprop's smoothing alpha); 0.9 is usual",
    ),
    hp(
        "train.nesterov",
        "Nesterov momentum",
        Optimisation,
        "look-ahead momentum for sgd",
    ),
    hp(
        "train.batch_size",
        "Batch size",
        Optimisation,
        "examples per step; 32–256; larger is faster per epoch, noisier gradients when small",
    ),
    hp(
        "train.epochs",
        "Epochs",
        Timing,
        "passes over the training set; heatmaps compare trials of one budget only",
    ),
    hp(
        "train.schedule",
        "Learning-rate schedule",
        Timing,
        "constant, step decay, cosine to a floor, or decay on a plateau",
    ),
    hp(
        "train.lr_step_epochs",
        "Step every (epochs)",
        Timing,
        "epochs between step decays",
    ),
    hp(
        "train.lr_gamma",
        "Decay factor",
        Timing,
        "multiply the rate by this at each decay; 0.1–0.5",
    ),
    hp(
        "train.plateau_patience",
        "Plateau patience",
        Timing,
        "epochs without a better validation loss before a decay",
    ),
    hp(
        "train.min_lr",
        "Minimum learning rate",
        Timing,
        "the floor for cosine and plateau; e.g. 1e-5",
    ),
];

/// The catalogue entry of `path`, if it is a hyperparameter.
pub fn hyperparameter(path: &str) -> Option<&'static Hyperparameter> {
    CATALOGUE.iter().find(|h| h.path == path)
}

/// Whether the hyperparameter at `path` changes anything in a trial of
/// `config`: a GRU has no convolution blocks, Adam no Nesterov momentum,
/// a constant schedule no decay factor. Unknown paths apply (so they show).
pub fn applies(path: &str, config: &TrialConfig) -> bool {
    let (model, train) = (&config.model, &config.train);
    let cnn = model.kind == ModelKind::Cnn;
    let recurrent = matches!(model.kind, ModelKind::Gru | ModelKind::Lstm);
    match path {
        "model.conv_blocks"
        | "model.channels"
        | "model.kernel_size"
        | "model.pool"
        | "model.residual"
        | "model.squeeze_excite"
        | "model.conv_dropout" => cnn,
        "model.norm" => !recurrent,
        "model.groups" => !recurrent && model.norm == Norm::Group,
        "model.hidden" | "model.layers" => recurrent,
        "train.momentum" => matches!(train.optimizer, Optimizer::Sgd | Optimizer::Rmsprop),
        "train.nesterov" => train.optimizer == Optimizer::Sgd,
        "train.lr_step_epochs" => train.schedule == Schedule::Step,
        "train.lr_gamma" => matches!(train.schedule, Schedule::Step | Schedule::Plateau),
        "train.plateau_patience" => train.schedule == Schedule::Plateau,
        "train.min_lr" => matches!(train.schedule, Schedule::Cosine | Schedule::Plateau),
        "train.early_stopping_min_delta" => train.early_stopping_patience.is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::hyperparameter_paths;

    #[test]
    fn every_hyperparameter_is_in_the_catalogue_once() {
        let mut paths = hyperparameter_paths();
        let mut listed: Vec<String> = CATALOGUE.iter().map(|h| h.path.to_string()).collect();
        paths.sort();
        listed.sort();
        assert_eq!(
            listed, paths,
            "a field without help text, or help for no field"
        );
        assert!(
            CATALOGUE
                .iter()
                .all(|h| !h.help.is_empty() && !h.name.is_empty())
        );
    }

    #[test]
    fn fields_apply_to_their_model_optimiser_and_schedule_only() {
        let mut c = TrialConfig::default();
        assert_eq!(c.model.kind, ModelKind::Cnn);
        assert!(applies("model.conv_blocks", &c) && !applies("model.hidden", &c));
        c.model.kind = ModelKind::Gru;
        assert!(applies("model.hidden", &c) && !applies("model.conv_blocks", &c));
        assert!(!applies("model.norm", &c) && applies("model.dropout", &c));
        c.model.kind = ModelKind::Mlp;
        assert!(applies("model.norm", &c) && !applies("model.groups", &c));
        c.model.norm = Norm::Group;
        assert!(applies("model.groups", &c));
        c.train.optimizer = Optimizer::Adam;
        assert!(!applies("train.nesterov", &c) && !applies("train.momentum", &c));
        c.train.optimizer = Optimizer::Sgd;
        assert!(applies("train.nesterov", &c) && applies("train.momentum", &c));
        c.train.schedule = Schedule::Constant;
        assert!(!applies("train.lr_gamma", &c) && !applies("train.min_lr", &c));
        c.train.schedule = Schedule::Plateau;
        assert!(applies("train.plateau_patience", &c) && applies("train.min_lr", &c));
        assert!(applies("train.lr", &c) && applies("train.epochs", &c));
    }
}
