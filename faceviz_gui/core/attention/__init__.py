"""Where a network looks: Grad-CAM (our own) and captum's saliency, IG, guided backprop and
occlusion, plus the small colour maps every picture of them uses."""
