use leptos::prelude::*;
use leptos_router::components::A;

use crate::ui::base_path::app_href;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section>
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. " <A href=app_href("/")>"Go to the home page"</A> "."</p>
        </section>
    }
}
