from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "webpanel.users"
    label = "users"
