//! Typed builders: each field offers only the comparisons that make sense for it.

use time::OffsetDateTime;

use super::{Condition, Filter, FilterField, FilterValue, Operator};

fn cond(field: &FilterField, op: Operator, value: FilterValue) -> Filter {
    Filter::Condition(Condition::new(field.clone(), op, value))
}

/// A text field: `id`, `url`, `client_id`, `visit_id`.
#[derive(Debug, Clone)]
pub struct TextField(FilterField);

/// A date field: `creation_date`, `update_date`.
#[derive(Debug, Clone)]
pub struct DateField(FilterField);

/// A numeric field: `revenue`, `cost`.
#[derive(Debug, Clone)]
pub struct NumberField(FilterField);

impl Filter {
    /// Conditions on the deal id.
    pub fn id() -> TextField {
        TextField(FilterField::Id)
    }
    /// Conditions on the deal URL.
    pub fn url() -> TextField {
        TextField(FilterField::Url)
    }
    /// Conditions on the client id.
    pub fn client_id() -> TextField {
        TextField(FilterField::ClientId)
    }
    /// Conditions on the visit id.
    pub fn visit_id() -> TextField {
        TextField(FilterField::VisitId)
    }
    /// Conditions on the creation date.
    pub fn creation_date() -> DateField {
        DateField(FilterField::CreationDate)
    }
    /// Conditions on the last update date.
    pub fn update_date() -> DateField {
        DateField(FilterField::UpdateDate)
    }
    /// Conditions on revenue.
    pub fn revenue() -> NumberField {
        NumberField(FilterField::Revenue)
    }
    /// Conditions on cost.
    pub fn cost() -> NumberField {
        NumberField(FilterField::Cost)
    }
}

macro_rules! null_ops {
    () => {
        /// The field is null.
        pub fn is_null(&self) -> Filter {
            cond(&self.0, Operator::Null, FilterValue::Null(true))
        }
        /// The field is not null.
        pub fn is_not_null(&self) -> Filter {
            cond(&self.0, Operator::Null, FilterValue::Null(false))
        }
    };
}

macro_rules! compare_ops {
    ($t:ty, $wrap:expr) => {
        /// `=`
        pub fn eq(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Eq, $wrap(v))
        }
        /// `!=`
        pub fn ne(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Ne, $wrap(v))
        }
        /// `>`
        pub fn gt(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Gt, $wrap(v))
        }
        /// `>=`
        pub fn ge(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Ge, $wrap(v))
        }
        /// `<`
        pub fn lt(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Lt, $wrap(v))
        }
        /// `<=`
        pub fn le(&self, v: $t) -> Filter {
            cond(&self.0, Operator::Le, $wrap(v))
        }
    };
}

fn text(v: impl Into<String>) -> FilterValue {
    FilterValue::Text(v.into())
}

fn number(v: impl Into<f64>) -> FilterValue {
    FilterValue::Number(v.into())
}

impl TextField {
    compare_ops!(impl Into<String>, text);
    null_ops!();

    /// `like`: contains the text.
    pub fn like(&self, v: impl Into<String>) -> Filter {
        cond(&self.0, Operator::Like, text(v))
    }

    /// `in`: one of these values.
    pub fn in_<I, S>(&self, values: I) -> Filter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list = values.into_iter().map(text).collect();
        cond(&self.0, Operator::In, FilterValue::List(list))
    }
}

impl DateField {
    compare_ops!(OffsetDateTime, FilterValue::Date);
    null_ops!();
}

impl NumberField {
    compare_ops!(impl Into<f64>, number);
    null_ops!();

    /// `in`: one of these values.
    pub fn in_<I, N>(&self, values: I) -> Filter
    where
        I: IntoIterator<Item = N>,
        N: Into<f64>,
    {
        let list = values.into_iter().map(number).collect();
        cond(&self.0, Operator::In, FilterValue::List(list))
    }
}
