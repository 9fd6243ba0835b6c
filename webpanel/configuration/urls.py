from django.urls import path

from webpanel.configuration.apis import SettingsApi

urlpatterns = [path("settings", SettingsApi.as_view(), name="settings")]
