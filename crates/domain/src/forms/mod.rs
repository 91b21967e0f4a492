//! Observation forms: their definitions, the expression language of their skip logic and
//! checks, how answers are validated, and the standard forms pollwatch ships.

pub mod answers;
pub mod definition;
pub mod expression;
pub mod standard;

pub use answers::{AnswerProblem, Answers, FieldError, RawAnswers, SentCode, validate, validate_partially};
pub use definition::{Choice, FormDefinition, FormKind, Phase, QuestionKind};
