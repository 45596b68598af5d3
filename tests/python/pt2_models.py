"""The PyTorch models the .pt2 importer tests export: name -> (module, example inputs).

Every model is built with random weights (BatchNorm statistics randomised too) in eval mode;
Hugging Face models use small random configs so an export takes seconds; the YOLO is
Ultralytics' yolov8n built from its yaml (zoo_harness.make_yolo).
"""
import torch

from zoo_harness import make_torch_model, make_yolo, randomize

IMAGE = (1, 3, 224, 224)


def _image(shape=IMAGE, seed=0):
    return (torch.randn(*shape, generator=torch.Generator().manual_seed(seed)),)


def _zoo(name, shape=IMAGE):
    return lambda: (make_torch_model(name), _image(shape))


def _torchvision(name, shape=IMAGE):
    """A torchvision model with its own initialisation (Swin and MaxViT hold index buffers
    make_torch_model does not fill), BatchNorm statistics randomised."""
    def build():
        import torchvision
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None)
        return randomize(model.eval()).eval(), _image(shape)
    return build


def _timm(name, shape=IMAGE, **kwargs):
    def build():
        import timm
        torch.manual_seed(0)
        model = randomize(timm.create_model(name, pretrained=False, **kwargs)).eval()
        return model, _image(shape)
    return build


def _tokens(vocab, length=16, batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, length), generator=g)


class _FirstOutput(torch.nn.Module):
    """A Hugging Face model returning its main tensor (not a ModelOutput)."""

    def __init__(self, model, key):
        super().__init__()
        self.model = model
        self.key = key

    def forward(self, *args):
        return self.model(*args, return_dict=True)[self.key]


def _bert():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64)
    model = _FirstOutput(BertModel(config, add_pooling_layer=False).eval(), "last_hidden_state")
    return model.eval(), (_tokens(100),)


class _Gpt2Blocks(torch.nn.Module):
    """GPT2Model's forward without its mask builder (transformers 4.57 builds the causal mask
    with a vmap that torch.export cannot serialize); the blocks then use sdpa's is_causal.
    The test checks it against GPT2Model itself."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids):
        m = self.model
        h = m.wte(ids) + m.wpe(torch.arange(ids.shape[1]).unsqueeze(0))
        for block in m.h:
            out = block(h)
            h = out[0] if isinstance(out, tuple) else out
        return m.ln_f(h)


def _gpt2():
    from transformers import GPT2Config, GPT2Model
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                        use_cache=False)
    gpt2 = GPT2Model(config).eval()
    x = _tokens(100)
    model = _Gpt2Blocks(gpt2).eval()
    with torch.no_grad():
        assert torch.equal(model(x), gpt2(x).last_hidden_state)
    return model, (x,)


def _hf_vit():
    from transformers import ViTConfig, ViTModel
    torch.manual_seed(0)
    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, image_size=32, patch_size=8)
    model = _FirstOutput(ViTModel(config, add_pooling_layer=False).eval(), "last_hidden_state")
    return model.eval(), _image((1, 3, 32, 32))


def _whisper_encoder():
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder
    torch.manual_seed(0)
    config = WhisperConfig(d_model=64, encoder_layers=2, encoder_attention_heads=2,
                           encoder_ffn_dim=128, num_mel_bins=16, max_source_positions=32,
                           decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=128,
                           vocab_size=100)
    model = _FirstOutput(WhisperEncoder(config).eval(), "last_hidden_state")
    # The encoder takes exactly 2 * max_source_positions frames of log-mel features.
    return model.eval(), _image((1, config.num_mel_bins, 2 * config.max_source_positions))


def _wav2vec2():
    from transformers import Wav2Vec2Config, Wav2Vec2Model
    torch.manual_seed(0)
    # Its positional embedding is a grouped Conv1d under weight_norm(dim=2); its encoder
    # draws torch.rand for LayerDrop even in eval mode.
    config = Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=64, conv_dim=(16, 16), conv_stride=(5, 2),
                            conv_kernel=(10, 3), num_conv_pos_embeddings=16,
                            num_conv_pos_embedding_groups=4)
    model = _FirstOutput(Wav2Vec2Model(config).eval(), "last_hidden_state")
    return model.eval(), _image((1, 1600))


def _yolov8n():
    torch.manual_seed(0)
    model, shape = make_yolo("yolov8n.yaml", 1.3)
    # Detect caches its anchors per input shape; under torch.export the cache would keep the
    # export's fake tensors and break the eager run after it: recompute them every call.
    model.model.model[-1].dynamic = True
    return randomize(model.eval()).eval(), _image(shape)


MODELS = {
    "resnet18": _zoo("resnet18"),
    "resnet50": _zoo("resnet50"),
    "mobilenet_v2": _zoo("mobilenet_v2"),
    "mobilenet_v3_small": _zoo("mobilenet_v3_small"),
    "mobilenet_v3_large": _zoo("mobilenet_v3_large"),
    "efficientnet_b0": _zoo("efficientnet_b0"),
    "densenet121": _zoo("densenet121"),
    "vgg11": _zoo("vgg11"),
    "vgg11_bn": _zoo("vgg11_bn"),
    "squeezenet1_0": _zoo("squeezenet1_0"),
    "squeezenet1_1": _zoo("squeezenet1_1"),
    "alexnet": _zoo("alexnet"),
    "efficientnet-b0": _zoo("efficientnet-b0"),
    "swin_t": _torchvision("swin_t"),  # roll, fill_.Tensor (shifted-window masks)
    "maxvit_t": _torchvision("maxvit_t"),  # swapaxes
    "timm_resnet18": _timm("resnet18"),
    "timm_efficientnet_b0": _timm("efficientnet_b0"),
    "timm_mobilenetv3": _timm("mobilenetv3_small_100"),
    "timm_convnext_atto": _timm("convnext_atto"),
    "timm_vit_tiny": _timm("vit_tiny_patch16_224"),
    "timm_deit_tiny": _timm("deit_tiny_patch16_224"),
    "hf_bert": _bert,
    "hf_gpt2": _gpt2,
    "hf_vit": _hf_vit,
    "hf_whisper_encoder": _whisper_encoder,
    "hf_wav2vec2": _wav2vec2,
    "yolov8n": _yolov8n,
}


def export(name, path):
    """Exports model `name` with torch.export to `path`; returns (model, inputs)."""
    model, inputs = MODELS[name]()
    with torch.no_grad():
        program = torch.export.export(model, inputs)
    torch.export.save(program, str(path))
    return model, inputs
