//! The small expression language of skip logic and cross-field checks, e.g.
//! `OA == no`, `PB == PC + PD + PE`, `answered(TX) or not (AB == yes)`, `has(VM, 3)`.
//! Logic is three-valued: a comparison with an unanswered question is *unknown*, so a check
//! fails only when it is definitely false, and a question is shown only when its condition
//! is definitely true.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Bool(bool),
    /// A question's answer: yes/no as a boolean, numbers and choices as numbers.
    Answer(String),
    /// Whether a question has an answer at all.
    Answered(String),
    /// Whether a multiple-choice answer includes an option.
    Has(String, f64),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Comparison, Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Subtract(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
    /// Depends on a question without an answer.
    Unknown,
}

/// Where an expression reads answers from.
pub trait AnswerSource {
    /// The answer as a value (`Unknown` when unanswered).
    fn value(&self, code: &str) -> Value;
    fn is_answered(&self, code: &str) -> bool;
    fn has_option(&self, code: &str, option: f64) -> Value;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Word(String),
    Symbol(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            let number = literal
                .parse()
                .map_err(|_| ParseError { position: start, message: format!("bad number {literal}") })?;
            tokens.push((start, Token::Number(number)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((start, Token::Word(chars[start..i].iter().collect())));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let symbol = ["==", "!=", "<=", ">="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| ["<", ">", "+", "-", "(", ")", ","].into_iter().find(|s| s.starts_with(c)));
            match symbol {
                Some(symbol) => {
                    tokens.push((i, Token::Symbol(symbol)));
                    i += symbol.len();
                }
                None => return Err(ParseError { position: i, message: format!("unexpected '{c}'") }),
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map(|(p, _)| *p).unwrap_or(self.end)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError { position: self.position(), message: message.into() })
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<(), ParseError> {
        if self.eat_symbol(symbol) { Ok(()) } else { self.error(format!("expected '{symbol}'")) }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not()?;
        while self.eat_word("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_word("not") { Ok(Expr::Not(Box::new(self.not()?))) } else { self.comparison() }
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.sum()?;
        let operator = match self.peek() {
            Some(Token::Symbol("==")) => Comparison::Equal,
            Some(Token::Symbol("!=")) => Comparison::NotEqual,
            Some(Token::Symbol("<")) => Comparison::Less,
            Some(Token::Symbol("<=")) => Comparison::LessOrEqual,
            Some(Token::Symbol(">")) => Comparison::Greater,
            Some(Token::Symbol(">=")) => Comparison::GreaterOrEqual,
            _ => return Ok(left),
        };
        self.next += 1;
        Ok(Expr::Compare(Box::new(left), operator, Box::new(self.sum()?)))
    }

    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.term()?;
        loop {
            if self.eat_symbol("+") {
                left = Expr::Add(Box::new(left), Box::new(self.term()?));
            } else if self.eat_symbol("-") {
                left = Expr::Subtract(Box::new(left), Box::new(self.term()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn code_argument(&mut self) -> Result<String, ParseError> {
        match self.peek().cloned() {
            Some(Token::Word(code)) => {
                self.next += 1;
                Ok(code.to_ascii_uppercase())
            }
            _ => self.error("expected a question code"),
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        match self.peek().cloned() {
            Some(Token::Number(n)) => {
                self.next += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Symbol("(")) => {
                self.next += 1;
                let inner = self.or()?;
                self.expect_symbol(")")?;
                Ok(inner)
            }
            Some(Token::Word(word)) => {
                self.next += 1;
                match word.to_ascii_lowercase().as_str() {
                    "yes" | "true" => Ok(Expr::Bool(true)),
                    "no" | "false" => Ok(Expr::Bool(false)),
                    "answered" => {
                        self.expect_symbol("(")?;
                        let code = self.code_argument()?;
                        self.expect_symbol(")")?;
                        Ok(Expr::Answered(code))
                    }
                    "has" => {
                        self.expect_symbol("(")?;
                        let code = self.code_argument()?;
                        self.expect_symbol(",")?;
                        let Some(Token::Number(option)) = self.peek().cloned() else {
                            return self.error("expected an option number");
                        };
                        self.next += 1;
                        self.expect_symbol(")")?;
                        Ok(Expr::Has(code, option))
                    }
                    "and" | "or" | "not" => self.error(format!("'{word}' needs something before it")),
                    _ => Ok(Expr::Answer(word.to_ascii_uppercase())),
                }
            }
            _ => self.error("expected a value"),
        }
    }
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, ParseError> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, next: 0, end: text.chars().count() };
        let expression = parser.or()?;
        if parser.next < parser.tokens.len() {
            return parser.error("unexpected text after the expression");
        }
        Ok(expression)
    }

    /// Question codes the expression reads.
    pub fn codes(&self) -> Vec<&str> {
        let mut codes = Vec::new();
        self.collect_codes(&mut codes);
        codes
    }

    fn collect_codes<'a>(&'a self, codes: &mut Vec<&'a str>) {
        match self {
            Expr::Answer(code) | Expr::Answered(code) | Expr::Has(code, _) => codes.push(code),
            Expr::Not(inner) => inner.collect_codes(codes),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Compare(a, _, b) | Expr::Add(a, b) | Expr::Subtract(a, b) => {
                a.collect_codes(codes);
                b.collect_codes(codes);
            }
            Expr::Number(_) | Expr::Bool(_) => {}
        }
    }

    pub fn evaluate(&self, answers: &impl AnswerSource) -> Value {
        match self {
            Expr::Number(n) => Value::Number(*n),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Answer(code) => answers.value(code),
            Expr::Answered(code) => Value::Bool(answers.is_answered(code)),
            Expr::Has(code, option) => answers.has_option(code, *option),
            Expr::Not(inner) => match inner.evaluate(answers) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Unknown,
            },
            Expr::And(a, b) => match (a.evaluate(answers), b.evaluate(answers)) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Unknown,
            },
            Expr::Or(a, b) => match (a.evaluate(answers), b.evaluate(answers)) {
                (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Unknown,
            },
            Expr::Add(a, b) => arithmetic(a.evaluate(answers), b.evaluate(answers), |x, y| x + y),
            Expr::Subtract(a, b) => arithmetic(a.evaluate(answers), b.evaluate(answers), |x, y| x - y),
            Expr::Compare(a, operator, b) => compare(a.evaluate(answers), *operator, b.evaluate(answers)),
        }
    }

    /// True only when definitely true.
    pub fn holds(&self, answers: &impl AnswerSource) -> bool {
        self.evaluate(answers) == Value::Bool(true)
    }

    /// False only when definitely false (an unknown check passes).
    pub fn not_violated(&self, answers: &impl AnswerSource) -> bool {
        self.evaluate(answers) != Value::Bool(false)
    }
}

fn arithmetic(a: Value, b: Value, op: impl Fn(f64, f64) -> f64) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Value::Number(op(x, y)),
        _ => Value::Unknown,
    }
}

fn compare(a: Value, operator: Comparison, b: Value) -> Value {
    let ordering = match (&a, &b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Bool(x), Value::Bool(y)) if matches!(operator, Comparison::Equal | Comparison::NotEqual) => {
            Some(x.cmp(y))
        }
        _ => return Value::Unknown,
    };
    let Some(ordering) = ordering else { return Value::Unknown };
    use std::cmp::Ordering::*;
    Value::Bool(match operator {
        Comparison::Equal => ordering == Equal,
        Comparison::NotEqual => ordering != Equal,
        Comparison::Less => ordering == Less,
        Comparison::LessOrEqual => ordering != Greater,
        Comparison::Greater => ordering == Greater,
        Comparison::GreaterOrEqual => ordering != Less,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Map(BTreeMap<&'static str, Value>);

    impl AnswerSource for Map {
        fn value(&self, code: &str) -> Value {
            self.0.get(code).cloned().unwrap_or(Value::Unknown)
        }
        fn is_answered(&self, code: &str) -> bool {
            self.0.contains_key(code)
        }
        fn has_option(&self, _: &str, _: f64) -> Value {
            Value::Unknown
        }
    }

    fn answers() -> Map {
        Map([
            ("PB", Value::Number(1000.0)),
            ("PC", Value::Number(700.0)),
            ("PE", Value::Number(300.0)),
            ("OA", Value::Bool(false)),
        ]
        .into())
    }

    #[test]
    fn protocol_arithmetic_holds_or_fails() {
        assert!(Expr::parse("PB == PC + PE").unwrap().holds(&answers()));
        assert!(!Expr::parse("PB == PC + PE + 1").unwrap().not_violated(&answers()));
        assert!(Expr::parse("pc <= pb - pe").unwrap().holds(&answers()));
    }

    #[test]
    fn unanswered_questions_make_a_check_unknown_not_failed() {
        let check = Expr::parse("PB == PC + PD").unwrap();
        assert_eq!(check.evaluate(&answers()), Value::Unknown);
        assert!(check.not_violated(&answers()));
        assert!(!check.holds(&answers()));
        // ...but "false and unknown" is false.
        assert!(!Expr::parse("OA == yes and PD > 0").unwrap().not_violated(&answers()));
    }

    #[test]
    fn skip_conditions_read_yes_no_answers() {
        assert!(Expr::parse("OA == no").unwrap().holds(&answers()));
        assert!(Expr::parse("not (OA == yes) or answered(ZZ)").unwrap().holds(&answers()));
        assert_eq!(Expr::parse("answered(PB) and has(VM, 2)").unwrap().codes(), vec!["PB", "VM"]);
    }

    #[test]
    fn bad_expressions_say_where() {
        let error = Expr::parse("PB == PC +").unwrap_err();
        assert_eq!(error.position, 10);
        assert!(Expr::parse("PB = PC").is_err());
        assert!(Expr::parse("(PB == 1").unwrap_err().message.contains("')'"));
        assert!(Expr::parse("PB == 1 PC").is_err());
    }
}
