from typing import Any

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "webpanel.users"
    label = "users"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
            # Imported here: every process sets Django up, few of them authenticate requests.
            from webpanel.users.authentication import forget_user

            forget_user(instance)

        user_model = get_user_model()
        # A changed or deleted user is read again at its next request (see authentication.py).
        post_save.connect(changed, sender=user_model, weak=False, dispatch_uid="tc2-user-saved")
        post_delete.connect(changed, sender=user_model, weak=False, dispatch_uid="tc2-user-gone")
