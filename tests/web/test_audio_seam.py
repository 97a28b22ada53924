"""The line plays real pre-rendered audio where a current file exists, and <Say> where it does not."""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.audio.build import build
from ivr.call import prompts
from ivr.call.utterances import Utterance
from ivr.menu.loader import load_tree
from ivr.web import create_app

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    """The example menu with only its Mandarin main menu rendered (a real pyttsx3 render)."""
    folder = tmp_path_factory.mktemp("line")
    menu = folder / "menu.yaml"
    shutil.copy(EXAMPLE, menu)
    tree = load_tree(menu)
    text = prompts.options_prompt(tree, tree.nodes["main"], "zh-CN")
    report = build([Utterance(text, "zh-CN")], tree.languages, folder / "audio", jobs=1, progress=False)
    assert report.rendered == 1
    return menu, folder / "audio"


def gather_children(client, path: str) -> list[ET.Element]:
    response = client.post(path)
    assert response.status_code == 200
    return list(ET.fromstring(response.data).find("Gather"))


def test_a_rendered_prompt_is_played_by_absolute_url_and_served_as_wav(line):
    menu, audio = line
    client = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": str(audio)}).test_client()
    [play] = gather_children(client, "/voice/node/main?lang=zh-CN")
    assert play.tag == "Play" and play.text.startswith("http://localhost/audio/") and play.text.endswith(".wav")
    served = client.get(play.text.removeprefix("http://localhost"))
    assert served.status_code == 200 and served.mimetype in ("audio/wav", "audio/x-wav")
    assert served.data[:4] == b"RIFF" and len(served.data) > 8000  # more than half a second at 8 kHz


def test_the_public_base_url_is_used_for_play(line):
    menu, audio = line
    app = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": str(audio), "PUBLIC_BASE_URL": "https://ivr.example.com/"})
    [play] = gather_children(app.test_client(), "/voice/node/main?lang=zh-CN")
    assert play.text.startswith("https://ivr.example.com/audio/")


def test_a_prompt_without_audio_is_said_with_the_configured_voice(line):
    menu, audio = line
    client = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": str(audio)}).test_client()
    [say] = gather_children(client, "/voice/node/main?lang=en-US")  # English was not rendered
    assert say.tag == "Say" and say.get("voice") == "Polly.Joanna" and say.text.startswith("Please choose")


def test_an_edited_prompt_falls_back_to_say_until_the_next_build(line, tmp_path):
    menu, audio = line
    edited = tmp_path / "menu.yaml"
    edited.write_text(menu.read_text(encoding="utf-8").replace("请选择您要咨询的问题。", "请选择问题。"), "utf-8")
    client = create_app({"MENU_FILE": str(edited), "AUDIO_DIR": str(audio)}).test_client()
    [say] = gather_children(client, "/voice/node/main?lang=zh-CN")
    assert say.tag == "Say" and say.text.startswith("请选择问题。")


def test_no_audio_directory_at_all_means_say_everywhere(line, tmp_path):
    menu, _audio = line
    client = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": str(tmp_path / "missing")}).test_client()
    assert [e.tag for e in gather_children(client, "/voice/node/main?lang=zh-CN")] == ["Say"]
    assert client.get("/audio/../menu.yaml").status_code == 404
