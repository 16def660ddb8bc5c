//! The tray: built in `setup` (it needs a display), refreshed from engine events; its menu comes
//! from [`crate::menu`] and its clicks go to [`crate::actions`].

use tauri::{
    AppHandle, Runtime,
    image::Image,
    menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu},
    tray::{TrayIcon, TrayIconBuilder},
};

use crate::menu::{Entry, Health, TrayState};

/// The tray's id.
pub const TRAY_ID: &str = "nexsock";

fn icon(health: Health) -> Option<Image<'static>> {
    let bytes: &'static [u8] = match health {
        Health::Idle => include_bytes!("../../icons/tray-idle.png"),
        Health::Ready => include_bytes!("../../icons/tray-ready.png"),
        Health::Starting => include_bytes!("../../icons/tray-starting.png"),
        Health::Failed => include_bytes!("../../icons/tray-failed.png"),
    };
    Image::from_bytes(bytes).ok()
}

/// Creates the tray with an empty state; [`refresh`] fills it.
pub fn create<R: Runtime>(app: &AppHandle<R>, owns_host: bool) -> tauri::Result<TrayIcon<R>> {
    let state = TrayState::default();
    let menu = build_menu(app, &state.menu(owns_host))?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID).menu(&menu).tooltip("nexsock").show_menu_on_left_click(true);
    if let Some(icon) = icon(state.health()) {
        builder = builder.icon(icon);
    }
    builder.on_menu_event(|app, event| crate::on_menu_event(app, event.id().as_ref())).build(app)
}

/// Rebuilds the menu and the icon from `state`.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, state: &TrayState, owns_host: bool) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return Ok(()) };
    tray.set_menu(Some(build_menu(app, &state.menu(owns_host))?))?;
    tray.set_icon(icon(state.health()))?;
    tray.set_tooltip(Some(format!("nexsock — {}", state.status_line())))?;
    Ok(())
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, entries: &[Entry]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for entry in entries {
        let item = build_entry(app, entry)?;
        menu.append(item.as_ref())?;
    }
    Ok(menu)
}

fn build_entry<R: Runtime>(app: &AppHandle<R>, entry: &Entry) -> tauri::Result<Box<dyn IsMenuItem<R>>> {
    Ok(match entry {
        Entry::Label(text) => Box::new(MenuItem::new(app, text, false, None::<&str>)?),
        Entry::Item { action, label } => Box::new(MenuItem::with_id(app, action.id(), label, true, None::<&str>)?),
        Entry::Check { action, label, checked } => {
            Box::new(CheckMenuItem::with_id(app, action.id(), label, true, *checked, None::<&str>)?)
        }
        Entry::Submenu { label, entries } => {
            let sub = Submenu::new(app, label, true)?;
            for e in entries {
                let item = build_entry(app, e)?;
                sub.append(item.as_ref())?;
            }
            Box::new(sub)
        }
        Entry::Separator => Box::new(PredefinedMenuItem::separator(app)?),
    })
}
