//! Receiving and serving photos. The original (with its metadata, as evidence) goes only to
//! coalition admins and the coordinators of the constituency it was reported from; anyone
//! else entitled to it gets a copy without metadata.

use sha2::{Digest, Sha256};

use domain::access::Actor;
use domain::photos::{self, PhotoError};
use domain::roles::Role;
use storage::photos::Photo;
use storage::{StorageError, now_millis};

use crate::state::AppState;

/// Checks and stores a photo; returns its SHA-256, the name reports refer to it by.
pub async fn receive(
    state: &AppState,
    uploader: &Actor,
    bytes: Vec<u8>,
) -> Result<Result<String, PhotoError>, StorageError> {
    let kind = match photos::check(&bytes) {
        Ok(kind) => kind,
        Err(error) => return Ok(Err(error)),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let photo = Photo {
        sha256: sha256.clone(),
        content_type: kind.content_type().into(),
        bytes,
        uploader_id: Some(uploader.user_id),
    };
    let now = now_millis();
    state.store.write(move |c| Box::pin(async move { storage::photos::store(c, &photo, now).await })).await?;
    Ok(Ok(sha256))
}

pub enum Served {
    Original(Photo),
    Stripped(Photo),
    Hidden,
}

pub async fn serve(state: &AppState, viewer: &Actor, sha256: &str) -> Result<Served, StorageError> {
    let pool = state.store.reads();
    let Some(photo) = storage::photos::by_hash(pool, sha256).await? else { return Ok(Served::Hidden) };
    let constituencies = storage::photos::constituencies_using(pool, sha256).await?;
    let coordinates_it = constituencies.iter().any(|n| {
        u16::try_from(*n)
            .ok()
            .and_then(|n| domain::election::ConstituencyNo::new(n).ok())
            .is_some_and(|n| viewer.covers_constituency(n))
    });
    let own = photo.uploader_id == Some(viewer.user_id);
    Ok(match viewer.role {
        Role::CoalitionAdmin => Served::Original(photo),
        Role::Coordinator if coordinates_it => Served::Original(photo),
        Role::Analyst => strip(photo),
        _ if own => strip(photo),
        _ => Served::Hidden,
    })
}

fn strip(mut photo: Photo) -> Served {
    match photos::strip_metadata(&photo.bytes) {
        Ok(bytes) => {
            photo.bytes = bytes;
            Served::Stripped(photo)
        }
        // A copy that cannot be cleaned is not shown at all.
        Err(_) => Served::Hidden,
    }
}
