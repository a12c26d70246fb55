"""The request timeout and the retry budget have one default each, declared with the
setting; the settings, a loaded configuration and the client's policy all agree."""

from provider.api import settings as s
from provider.api.client import CloudElementsClient, RetryPolicy
from provider.api.redact import Redactor
from provider.api.settings import ProviderSettings


def test_one_default_each_everywhere(monkeypatch):
    for setting in s.ALL_SETTINGS:
        monkeypatch.delenv(setting.env_var, raising=False)
    loaded = ProviderSettings.load(lambda _key: None)
    built = CloudElementsClient.from_settings(loaded)
    bare = CloudElementsClient("http://127.0.0.1:9", "u", "o", redactor=Redactor())
    policy = RetryPolicy()
    for setting, policy_value in [
        (s.REQUEST_TIMEOUT, bare.timeout),
        (s.MAX_RETRIES, policy.max_retries),
        (s.MAX_RETRY_WAIT, policy.max_total_wait),
    ]:
        assert setting.default is not None
        assert getattr(ProviderSettings(), setting.field) == setting.default
        assert getattr(loaded, setting.field) == setting.default
        assert policy_value == setting.default
    assert (built.timeout, built.retry.max_retries, built.retry.max_total_wait) == (
        bare.timeout,
        policy.max_retries,
        policy.max_total_wait,
    )
