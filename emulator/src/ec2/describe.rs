//! The common skeleton of every Describe action: explicit ids (unknown ones
//! are an error, as on AWS), filters, pagination, and the `<…Set>` list.

use super::Call;
use super::api_error::ApiError;
use super::filters::{check_names, matches};
use super::pagination::{Limits, paginate};
use super::xml::Xml;
use crate::topology::Topology;

/// An object a Describe action lists.
pub trait Describable {
    fn id(&self) -> &str;
    /// The object's values for a filter name (empty when it has none).
    fn field(&self, w: &Topology, filter: &str) -> Vec<String>;
    fn write(&self, x: &mut Xml, w: &Topology);
}

/// How one Describe action names things on the wire.
pub struct Listing {
    pub list_tag: &'static str,
    pub id_param: &'static str,
    pub filters: &'static [&'static str],
    pub limits: Limits,
    pub not_found: fn(&str) -> ApiError,
}

pub fn describe<T: Describable>(
    c: &Call<'_>,
    listing: &Listing,
    visible: Vec<&T>,
) -> Result<String, ApiError> {
    let filters = c.params.filters()?;
    check_names(&filters, listing.filters)?;
    let ids = c.params.list(listing.id_param);
    if let Some(missing) = ids
        .iter()
        .find(|id| !visible.iter().any(|o| o.id() == id.as_str()))
    {
        return Err((listing.not_found)(missing));
    }
    let selected: Vec<&T> = visible
        .into_iter()
        .filter(|o| ids.is_empty() || ids.iter().any(|id| id == o.id()))
        .filter(|o| matches(&filters, |name| o.field(c.world, name)))
        .collect();
    let (page, next) = paginate(selected, c.params, c.action, listing.limits, c.page_size)?;
    let mut x = Xml::new();
    x.list(listing.list_tag, &page, |x, o| o.write(x, c.world));
    x.opt_text("nextToken", next.as_deref());
    Ok(x.into_string())
}
