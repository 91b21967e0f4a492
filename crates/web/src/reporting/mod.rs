//! Election-day reporting at runtime: the loaded forms, the path every report takes from
//! any channel to disk, and the live feed the coverage dashboard listens to.

pub mod catalog;
pub mod intake;
pub mod live;
pub mod photos;
pub mod stations;

pub use catalog::FormCatalog;
pub use live::LiveFeed;
